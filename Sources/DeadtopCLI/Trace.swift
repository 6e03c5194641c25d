import DeadtopCore
import DeadtopReader

#if canImport(Glibc)
  import Glibc
#endif

/// `--schedtrace`, `--events` and `--profile`: the runtime's history, as text.
enum Trace {
  /// Prints the schedtrace ring, then each new record as the sampler writes it, until
  /// the process exits (or at once, with `historyOnly`).
  static func follow(_ source: SegmentSource, historyOnly: Bool) throws {
    var snapshot = try source.snapshot()
    if snapshot.heartbeat == 0 && snapshot.schedtrace.isEmpty {
      Output.standardError(
        "deadtop: process \(source.pid) has written no schedtrace yet (its sampler writes one record per "
          + "interval; DEADTOP_SAMPLER=0 turns it off)\n")
    }
    var last: UInt64 = 0
    while true {
      for record in snapshot.schedtrace where record.timeNanoseconds > last {
        Output.standardOutput(record.line + "\n")
        last = record.timeNanoseconds
      }
      if historyOnly { return }
      usleep(100_000)
      do {
        snapshot = try source.snapshot()
      } catch {
        Output.standardError("deadtop: process \(source.pid) has exited\n")
        return
      }
    }
  }

  static func printEvents(_ source: SegmentSource) throws {
    let snapshot = try source.snapshot()
    let recent = snapshot.events.suffix(200)
    var lines = [
      "Recent events of process \(snapshot.process.pid) \"\(snapshot.process.name)\" "
        + "(\(recent.count) of \(snapshot.events.count) in the ring; time since start)"
    ]
    lines += recent.map { "  " + snapshot.describe(event: $0) }
    Output.standardOutput(lines.joined(separator: "\n") + "\n")
  }

  static func printProfile(_ source: SegmentSource) throws {
    let snapshot = try source.snapshot()
    func row(_ label: String, _ contention: Contention) -> String {
      label.fitted(to: 47).padded(to: 48) + String(contention.contended).leftPadded(to: 10)
        + formatDuration(Double(contention.totalWaitNanoseconds) / 1e9).leftPadded(to: 12)
        + formatDuration(Double(contention.maxWaitNanoseconds) / 1e9).leftPadded(to: 11)
    }
    let header =
      "".padded(to: 48) + "contended".leftPadded(to: 10) + "total wait".leftPadded(to: 12)
      + "max wait".leftPadded(to: 11)
    var lines = ["Contention profile of process \(snapshot.process.pid) \"\(snapshot.process.name)\"", ""]
    let locks = snapshot.resources.filter { $0.contention.contended > 0 }
      .sorted { $0.contention.totalWaitNanoseconds > $1.contention.totalWaitNanoseconds }.prefix(20)
    lines.append("Locks" + header.dropFirst(5))
    lines +=
      locks.isEmpty
      ? ["  no contended acquisition yet"]
      : locks.map { row("  " + snapshot.label(resource: $0.id), $0.contention) }
    lines.append("")
    let sites = snapshot.siteContention.sorted {
      $0.contention.totalWaitNanoseconds > $1.contention.totalWaitNanoseconds
    }
    .prefix(20)
    lines.append("Call sites" + header.dropFirst(10))
    lines +=
      sites.isEmpty
      ? ["  no contended acquisition yet"] : sites.map { row("  " + $0.site.description, $0.contention) }
    Output.standardOutput(lines.joined(separator: "\n") + "\n")
  }
}
