import DeadtopCore
import DeadtopReports
import Foundation

/// What the exporter serves, made once per refresh and read by every request: the
/// metrics text, the list of processes, and each process's analysis for its report.
/// A value: a request never waits for a refresh, and a slow client holds nothing.
public struct FleetView: Sendable {
  public var metrics: String
  public var processes: [ProcessEntry]
  public var analyses: [Int32: Analysis]
  public var refreshedAt: Date

  /// One row of `GET /processes`.
  public struct ProcessEntry: Codable, Sendable, Equatable {
    public var pid: Int32
    public var name: String
    /// `runtime` or `proc`.
    public var source: String
    /// `deadlock`, `hang`, `no-deadlock`, `unknown`, or `unreadable`.
    public var verdict: String
    public var tasks: Int?
    public var blocked: Int?
    public var deadlocks: Int?
    public var deadlockedTasks: Int?
    public var hangs: Int?
    /// Why it could not be read, when it could not.
    public var problem: String?
    /// Where its full report is.
    public var report: String
  }

  public static let empty = FleetView(metrics: "", processes: [], analyses: [:], refreshedAt: Date())

  public init(metrics: String, processes: [ProcessEntry], analyses: [Int32: Analysis], refreshedAt: Date) {
    self.metrics = metrics
    self.processes = processes
    self.analyses = analyses
    self.refreshedAt = refreshedAt
  }

  public init(fleet: Fleet, metrics: String) {
    var analyses: [Int32: Analysis] = [:]
    processes = fleet.members.map { member in
      let analysis = member.analysis
      analyses[member.pid] = analysis
      return ProcessEntry(
        pid: member.pid, name: member.name, source: member.source.rawValue,
        verdict: analysis?.verdict.rawValue ?? "unreadable", tasks: analysis?.snapshot.tasks.count,
        blocked: analysis?.snapshot.taskCount(.blocked), deadlocks: analysis?.deadlocks.count,
        deadlockedTasks: analysis?.deadlocked.count, hangs: analysis?.starvedPools.count,
        problem: member.problem,
        report: "/processes/\(member.pid)/report")
    }
    self.analyses = analyses
    self.metrics = metrics
    refreshedAt = Date()
  }

  public func processesJSON() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(processes)) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// The `--once --json` report of a watched process, or nil when it is not watched or
  /// could not be read.
  public func report(pid: Int32, longWaitSeconds: Double = 10) -> String? {
    analyses[pid].map { JSONReport.render($0, longWaitSeconds: longWaitSeconds) }
  }
}
