import DeadtopCore
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// `DEADTOP_ON_DEADLOCK=report|abort`: the sampler runs deadtop's own analysis on the
/// process's tables every tick, decoding its own memory (so it works the same when the
/// segment could not be published in /dev/shm). Each confirmed deadlock is written to
/// standard error once; with `abort` the process then exits with status 2, like Go's
/// fatal "all goroutines are asleep", but for partial deadlocks too.
final class DeadlockWatchdog {
  enum Action { case report, abort }

  let action: Action
  private var decoder: SegmentDecoder?
  private var confirmation = DeadlockConfirmation()
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
    let analysis = confirmation.analyse(snapshot).analysis
    guard !confirmation.unannounced(in: analysis).isEmpty else { return }
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

  private func readSnapshot() -> Snapshot? {
    if unavailable { return nil }
    if decoder == nil {
      let segment = Runtime.shared.segment
      do {
        decoder = try SegmentDecoder(base: UnsafeRawPointer(segment.base), size: segment.size)
      } catch {
        unavailable = true
        writeToStandardError("deadtop: DEADTOP_ON_DEADLOCK cannot read this process's tables: \(error)\n")
        return nil
      }
    }
    return decoder?.snapshot()
  }
}
