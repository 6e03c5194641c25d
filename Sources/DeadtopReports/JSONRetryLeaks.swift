import DeadtopCore
import Foundation

extension JSONReport {
  /// A task that retries forever: it keeps re-entering a timed wait whose other cases no
  /// task can ever make fire (a context nobody can cancel). Always certain.
  public struct RetryLeakEntry: Codable, Equatable, Sendable {
    public var taskId: UInt64
    public var task: String
    /// The select it keeps re-entering.
    public var site: Site?
    /// The cases that can never fire.
    public var resources: [String]
    public var resourceIds: [UInt64]
    /// How many times it has been seen entering that wait.
    public var episodes: Int
    /// Since the first of them, in seconds.
    public var seconds: Double
    /// The finding spelled out in one paragraph.
    public var explanation: String
  }

  static func entry(_ leak: RetryLeak, number: Int, in analysis: Analysis) -> RetryLeakEntry {
    let snapshot = analysis.snapshot
    return RetryLeakEntry(
      taskId: leak.task, task: snapshot.name(task: leak.task), site: leak.site.map(site),
      resources: leak.deadResources.map { snapshot.label(resource: $0) }, resourceIds: leak.deadResources,
      episodes: leak.episodes, seconds: rounded(snapshot.seconds(since: leak.sinceNanoseconds)),
      explanation: TextReport.lines(of: Explanation(leak, number: number, in: analysis))
        .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))
  }
}

extension JSONReport.RetryLeakEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("episodes", episodes)
    json.field("explanation", explanation)
    json.field("resourceIds", resourceIds)
    json.field("resources", resources)
    json.field("seconds", seconds)
    json.field("site", ifPresent: site)
    json.field("task", task)
    json.field("taskId", taskId)
    json.endObject()
  }
}
