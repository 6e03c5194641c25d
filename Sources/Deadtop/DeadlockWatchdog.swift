import DeadtopCore
import DeadtopReader

#if canImport(Glibc)
  import Glibc
#endif

/// `DEADTOP_ON_DEADLOCK=report|abort`: the sampler runs deadtop's own analysis on the
/// process's segment every tick. A deadlock seen in two ticks in a row (the same wait
/// episodes) is written to standard error once; with `abort` the process then exits
/// with status 2, like Go's fatal "all goroutines are asleep", but for partial
/// deadlocks too.
final class DeadlockWatchdog {
  enum Action { case report, abort }

  let action: Action
  private var source: SegmentSource?
  private var previous: Snapshot?
  private var reported: Set<[UInt64]> = []
  private var unavailable = false

  init?(_ setting: String?) {
    switch setting?.lowercased() {
    case "report": action = .report
    case "abort": action = .abort
    default: return nil
    }
  }

  func check() {
    guard let snapshot = readSnapshot() else { return }
    defer { previous = snapshot }
    guard let previous else { return }
    let analysis = Analysis(snapshot).confirmed(by: previous)
    let fresh = analysis.deadlocks.filter { deadlock in
      !reported.contains(episodes(of: deadlock, in: snapshot))
    }
    guard !fresh.isEmpty else { return }
    for deadlock in fresh { reported.insert(episodes(of: deadlock, in: snapshot)) }
    var text = "deadtop: deadlock in process \(getpid())\n\n"
    for line in TextReport.verdict(analysis) { text += line + "\n" }
    for (index, deadlock) in analysis.deadlocks.enumerated() {
      text +=
        "\n" + TextReport.describe(deadlock, number: index + 1, in: analysis).joined(separator: "\n") + "\n"
    }
    if action == .abort {
      text += "\nfatal error: deadlock (DEADTOP_ON_DEADLOCK=abort)\n"
      writeToStandardError(text)
      exit(2)
    }
    writeToStandardError(text + "\n")
  }

  /// A finding is the same deadlock while its tasks stay in the same wait episodes.
  private func episodes(of deadlock: Deadlock, in snapshot: Snapshot) -> [UInt64] {
    deadlock.waitingTasks.sorted().flatMap { [$0, snapshot.task($0)?.wait?.sequence ?? 0] }
  }

  private func readSnapshot() -> Snapshot? {
    if unavailable { return nil }
    do {
      if source == nil {
        guard Runtime.shared.segment.publishedName != nil else { throw Unpublished() }
        source = try SegmentSource(path: SegmentSource.path(for: getpid()), pid: getpid())
      }
      return try source?.snapshot()
    } catch {
      unavailable = true
      writeToStandardError("deadtop: DEADTOP_ON_DEADLOCK cannot read this process's segment: \(error)\n")
      return nil
    }
  }

  private struct Unpublished: Error, CustomStringConvertible {
    var description: String { "the segment is in private memory (shm_open failed)" }
  }
}
