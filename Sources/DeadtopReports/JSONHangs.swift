import DeadtopCore
import Foundation

extension JSONReport {
  /// A starved pool: every one of its threads is blocked, so none of its work can run.
  public struct HangEntry: Codable, Equatable, Sendable {
    /// `Swift concurrency pool`.
    public var pool: String
    /// The most threads it runs work on at once.
    public var width: Int
    /// Its blocked threads.
    public var taskIds: [UInt64]
    public var tasks: [String]
    /// What each blocks in, as a Swift developer writes it (`DispatchSemaphore.wait`).
    public var calls: [String]
    /// Work waiting for a thread, when it could be read.
    public var queuedJobs: Int?
    /// The finding spelled out in one paragraph.
    public var explanation: String
  }

  static func entry(_ starvation: PoolStarvation, in analysis: Analysis) -> HangEntry {
    let snapshot = analysis.snapshot
    return HangEntry(
      pool: starvation.pool.name, width: starvation.pool.width, taskIds: starvation.threads,
      tasks: starvation.threads.map { snapshot.name(task: $0) },
      calls: starvation.threads.map { id in snapshot.task(id)?.wait.map(snapshot.blockingCall) ?? "" },
      queuedJobs: starvation.pool.queued,
      explanation: TextReport.lines(of: Explanation(starvation, in: analysis))
        .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "))
  }
}
