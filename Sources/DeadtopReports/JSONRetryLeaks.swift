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

extension JSONReport {
  /// Blocked goroutines of a Go dump that wait in the same way at the same place.
  public struct GroupEntry: Codable, Equatable, Sendable {
    /// The dump's word for the wait: `chan receive`, `semacquire in sync.Mutex.Lock`.
    public var wait: String
    public var resource: String?
    public var site: Site?
    public var taskIds: [UInt64]
    /// At least this long, for the one that has waited least (minutes, as Go prints).
    public var leastWaitedSeconds: Double
    /// `3 goroutines in chan receive at main.go:11 in main.leak`.
    public var description: String
  }

  static func entry(_ group: BlockedGroup, in snapshot: Snapshot) -> GroupEntry {
    GroupEntry(
      wait: group.wait, resource: group.resource.map { snapshot.label(resource: $0) },
      site: group.site.map(site), taskIds: group.tasks, leastWaitedSeconds: rounded(group.leastWaitedSeconds),
      description: group.describe(in: snapshot))
  }
}

extension JSONReport.GroupEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("description", description)
    json.field("leastWaitedSeconds", leastWaitedSeconds)
    json.field("resource", ifPresent: resource)
    json.field("site", ifPresent: site)
    json.field("taskIds", taskIds)
    json.field("wait", wait)
    json.endObject()
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
