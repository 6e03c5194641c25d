import Deadtop
import DeadtopReader
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Hand-off between tasks against Go's goroutines, measured in the same invocation: the
/// Go program in `Benchmarks/Go` takes the same measures with channels and sync.Mutex.
extension BenchmarkSuite {
  struct HandoffMeasure {
    let key: String
    let title: String
    let operations: Int
    /// The target, as a ratio against Go (or, for the uncontended mutex, against
    /// Synchronization.Mutex measured here).
    let target: Double
  }

  static let handoffMeasures = [
    HandoffMeasure(
      key: "ping-pong", title: "unbuffered ping-pong, per round trip", operations: 20_000, target: 3),
    HandoffMeasure(
      key: "buffered", title: "buffered (64) producer -> consumer", operations: 500_000, target: 1.5),
    HandoffMeasure(key: "alone", title: "send + receive on one task", operations: 2_000_000, target: 1.0),
    HandoffMeasure(
      key: "uncontended-mutex", title: "uncontended mutex lock + unlock", operations: 20_000_000, target: 1.3),
    HandoffMeasure(
      key: "contended-mutex", title: "contended mutex, two tasks, per lock", operations: 2_000_000, target: 2),
  ]

  static func handoff() {
    // For a profiler: `DEADTOP_BENCH_HANDOFF=ping-pong perf record deadtop-bench handoff`.
    if let only = ProcessInfo.processInfo.environment["DEADTOP_BENCH_HANDOFF"],
      let measure = handoffMeasures.first(where: { $0.key == only })
    {
      print("\(measure.title): \(format(deadtopFigure(measure), digits: 2)) ns")
      return
    }
    let cpus = Spinning.usableProcessors
    print(
      "Hand-off against Go (\(cpuModel()), \(cpus) usable CPUs; spin cap \(Spinning.limitNanoseconds) ns; best of \(rounds) rounds)"
    )
    let go = goFigures()
    if go == nil { print("  (no Go toolchain: scripts/bench installs golang-go; Deadtop figures only)") }
    let standardMutex = Synchronization.Mutex<Int>(0)
    let standard = nanosecondsPerOperation(20_000_000) {
      for _ in 0..<20_000_000 { standardMutex.withLock { $0 &+= 1 } }
    }
    print("  measure                                    Go        Deadtop   ratio   target")
    for measure in handoffMeasures {
      let deadtop = deadtopFigure(measure)
      var baseline = go?[measure.key]
      var against = "Go"
      if measure.key == "uncontended-mutex" {
        baseline = standard
        against = "Synchronization.Mutex \(format(standard, digits: 2)) ns"
      }
      let ratio = baseline.map { format(deadtop / $0, digits: 2) + "x" } ?? "-"
      let goColumn = go?[measure.key].map { format($0, digits: 2) + " ns" } ?? "-"
      print(
        "  " + padded(measure.title, 42) + padded(goColumn, 10)
          + padded(format(deadtop, digits: 2) + " ns", 10)
          + padded(ratio, 8) + "<= \(format(measure.target, digits: 1))x "
          + (against == "Go" ? "Go" : against))
    }
    print("  (Go: Benchmarks/Go/handoff.go, GOMAXPROCS = the usable CPUs)")
    let floor = crossCoreRoundTrip()
    let goShare = go?["ping-pong"].map { ", Go's ping-pong \(format($0 / floor, digits: 2))x it" } ?? ""
    print(
      "  floor: a round trip between two threads that only spin on two atomic words, "
        + "\(format(floor, digits: 0)) ns\(goShare)")
    print("  (Go's goroutines mostly hand off on one thread; OS threads cannot beat this floor)\n")
  }

  /// The hardware's own price of a round trip between two threads: each only spins on an
  /// atomic word the other stores to, so one cache line moves each way and nothing else.
  static func crossCoreRoundTrip() -> Double {
    final class Words: Sendable {
      let ping = Atomic<Int>(0)
      let pong = Atomic<Int>(0)
    }
    let trips = 200_000
    return nanosecondsPerOperation(trips) {
      let words = Words()
      let partner = Thread {
        for trip in 1...trips {
          while words.ping.load(ordering: .acquiring) != trip {}
          words.pong.store(trip, ordering: .releasing)
        }
      }
      partner.start()
      for trip in 1...trips {
        words.ping.store(trip, ordering: .releasing)
        while words.pong.load(ordering: .acquiring) != trip {}
      }
    }
  }

  /// The Deadtop figure of the measure named `key` (the channels group shows the same
  /// workloads against a pthread queue).
  static func deadtopFigure(_ key: String) -> Double {
    deadtopFigure(handoffMeasures.first { $0.key == key }!)
  }

  static func deadtopFigure(_ measure: HandoffMeasure) -> Double {
    let operations = measure.operations
    switch measure.key {
    case "ping-pong":
      return nanosecondsPerOperation(operations) {
        let ping = Channel<Int>(name: "bench-ping")
        let pong = Channel<Int>(name: "bench-pong")
        let partner = spawn("bench-pong") { for _ in 0..<operations { pong.send(ping.receive()!) } }
        for trip in 0..<operations {
          ping.send(trip)
          blackHole(pong.receive())
        }
        partner.join()
      }
    case "buffered":
      return nanosecondsPerOperation(operations) {
        let queue = Channel<Int>(capacity: 64, name: "bench-queue")
        let consumer = spawn("bench-consumer") {
          var sum = 0
          for _ in 0..<operations { sum &+= queue.receive()! }
          blackHole(sum)
        }
        for item in 0..<operations { queue.send(item) }
        consumer.join()
      }
    case "alone":
      let channel = Channel<Int>(capacity: 1, name: "bench-alone")
      return nanosecondsPerOperation(operations) {
        for item in 0..<operations {
          channel.send(item)
          blackHole(channel.receive())
        }
      }
    case "uncontended-mutex":
      let mutex = Deadtop.Mutex(name: "bench")
      return nanosecondsPerOperation(operations) {
        for _ in 0..<operations {
          mutex.lock()
          mutex.unlock()
        }
      }
    default:
      let mutex = Deadtop.Mutex(name: "bench-contended")
      return nanosecondsPerOperation(operations) {
        let workers = (0..<2).map { index in
          spawn("bench-worker-\(index)") {
            for _ in 0..<operations / 2 {
              mutex.lock()
              mutex.unlock()
            }
          }
        }
        for worker in workers { worker.join() }
      }
    }
  }

  /// Builds and runs the Go baseline; nil without a `go` command.
  static func goFigures() -> [String: Double]? {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Go").standardized.path
    guard let go = executableInPath("go") else { return nil }
    let binary = NSTemporaryDirectory() + "deadtop-bench-go-handoff"
    // Go before 1.20 has no -C: then build from inside the directory.
    let builds = [
      (go, ["build", "-C", directory, "-o", binary, "."]),
      ("/bin/sh", ["-c", "cd '\(directory)' && '\(go)' build -o '\(binary)' ."]),
    ]
    guard builds.contains(where: { (try? Subprocess.run($0.0, $0.1))?.status == 0 }) else {
      print("  (the Go baseline did not build)")
      return nil
    }
    return runGo(binary)
  }

  private static func runGo(_ binary: String) -> [String: Double]? {
    guard let run = try? Subprocess.run(binary, ["\(rounds)"]), run.status == 0 else { return nil }
    var figures: [String: Double] = [:]
    for line in run.output.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.count == 2, let value = Double(fields[1]) { figures[String(fields[0])] = value }
    }
    return figures
  }

  static func executableInPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") + ["/usr/lib/go/bin"] {
      let candidate = "\(directory)/\(name)"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  static func cpuModel() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
      let colon = line.firstIndex(of: ":")
    else { return "unknown CPU" }
    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }

  static func padded(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
  }
}
