import Deadtop
import DeadtopExporter
import DeadtopReader
import Foundation

extension BenchmarkSuite {
  static let exporterChildArgument = "--exporter-child"

  /// A watched process: an AB-BA deadlock and 8 tasks parked on a held lock, until killed.
  static func exporterChild() {
    let gate = Deadtop.Mutex(name: "gate")
    gate.lock()
    let first = Deadtop.Mutex(name: "first")
    let second = Deadtop.Mutex(name: "second")
    for index in 0..<8 { _ = spawn("parked-\(index)") { gate.withLock {} } }
    _ = spawn("ab") {
      first.lock()
      usleep(50_000)
      second.lock()
    }
    _ = spawn("ba") {
      second.lock()
      usleep(50_000)
      first.lock()
    }
    while true { sleep(1) }
  }

  /// One exporter refresh of 50 processes that publish a segment (the work behind each
  /// scrape: read, confirm, analyse, set the metrics, render them), and the exposition's
  /// size. The baseline is `deadtop --once` on one of them, done 50 times.
  static func exporterRefresh() {
    let children = (0..<50).compactMap { _ in
      try? Subprocess(
        executable: CommandLine.arguments[0], arguments: [exporterChildArgument], output: .discard,
        errors: .discard)
    }
    defer { for child in children { child.terminate() } }
    // Wait until every child has published its deadlock.
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline
      && !children.allSatisfy({ (try? SegmentSource(pid: $0.pid).snapshot())?.tasks.count == 11 })
    {
      usleep(50_000)
    }
    let fleet = Fleet()
    let metrics = FleetMetrics()
    var size = 0
    let refresh = nanosecondsPerOperation(1) {
      fleet.refresh()
      metrics.update(from: fleet, refreshSeconds: 0)
      size = metrics.exposition().utf8.count
      blackHole(FleetView(fleet: fleet, metrics: metrics.exposition()).processes.count)
    }
    let once = nanosecondsPerOperation(1) {
      for child in children {
        blackHole(
          (try? SegmentSource(pid: child.pid).confirmedAnalysis(delayMilliseconds: 0))?.deadlocks.count ?? 0)
      }
    }
    let watched = fleet.members.count
    print("Exporter (\(watched) processes with a segment, each an AB-BA and 8 parked tasks)")
    print(
      "  one refresh (read, confirm, analyse, metrics, exposition) \(milliseconds(refresh)); exposition \(size / 1024) KiB"
    )
    print(
      "  baseline: a confirmed --once analysis of each, one after another \(milliseconds(once)) (\(format(refresh / once, digits: 2))x)"
    )
    print("  target: a refresh well inside the default 1 s interval\n")
  }
}
