import Deadtop
import DeadtopReader
import Foundation

/// How the spin cap was chosen: ping-pong and the contended mutex, each in a child
/// process with another `DEADTOP_SPIN_NS` (the runtime reads it at start-up). With no
/// spin, half a ping-pong round trip is what one sleep and wake-up costs on this machine;
/// the default cap should be about that (a wait then never spins longer than the sleep
/// it avoids) and is worth it if the figures drop once the cap reaches it.
extension BenchmarkSuite {
  static let spinCaps = [0, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]

  static func spinSweep() {
    print(
      "Spin cap sweep (\(cpuModel()), \(Spinning.usableProcessors) usable CPUs; default \(Spinning.limitNanoseconds) ns)"
    )
    print("  cap (ns)   ping-pong round trip   contended mutex, per lock")
    var sleepAndWake: Double?
    for cap in spinCaps {
      let pingPong = childFigure("ping-pong", cap: cap)
      let contended = childFigure("contended-mutex", cap: cap)
      if cap == 0, let pingPong { sleepAndWake = pingPong / 2 }
      print(
        "  " + padded("\(cap)", 11) + padded(pingPong.map { "\(Int($0.rounded())) ns" } ?? "-", 23)
          + (contended.map { format($0, digits: 1) + " ns" } ?? "-"))
    }
    if let sleepAndWake {
      print(
        "  one sleep and wake-up (half the round trip without spinning): \(Int(sleepAndWake.rounded())) ns"
      )
    }
    print("")
  }

  /// One measure of the handoff group, run by this benchmark in a child with `cap`.
  private static func childFigure(_ key: String, cap: Int) -> Double? {
    guard
      let run = try? Subprocess.run(
        CommandLine.arguments[0], ["handoff"],
        environment: ["DEADTOP_SPIN_NS": "\(cap)", "DEADTOP_BENCH_HANDOFF": key]),
      run.status == 0, let line = run.output.split(separator: "\n").last,
      let colon = line.lastIndex(of: ":")
    else { return nil }
    return Double(
      line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
  }
}
