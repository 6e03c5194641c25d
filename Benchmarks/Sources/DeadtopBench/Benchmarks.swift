import Deadtop
import DeadtopCore
import DeadtopReader
import DeadtopRecording
import DeadtopReports
import DeadtopTUI
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Every figure is the best of several rounds, and each comparison is a ratio against a
/// baseline measured in the same run, so that a busy machine moves both alike.
enum BenchmarkSuite {
  static let rounds = 7

  static let groups: [(name: String, run: @Sendable () -> Void)] = [
    ("locks", uncontendedLocks), ("channels", channels), ("analysis", analysisAndReports),
    ("screen", snapshotToScreen),
    ("segment", segmentReads), ("proc", procReads), ("sampler", samplerCost), ("exporter", exporterRefresh),
    ("handoff", handoff), ("spin", spinSweep), ("recording", recording),
  ]

  static func main() {
    // For a profiler: `DEADTOP_BENCH_PROFILE_ANALYSIS=200 perf record deadtop-bench` (the
    // channel snapshot; DEADTOP_BENCH_PROFILE_KIND=locks for the mutex one).
    if let loops = ProcessInfo.processInfo.environment["DEADTOP_BENCH_PROFILE_ANALYSIS"].flatMap(Int.init) {
      let locks = ProcessInfo.processInfo.environment["DEADTOP_BENCH_PROFILE_KIND"] == "locks"
      let snapshot = locks ? syntheticSnapshot(tasks: 10_000) : syntheticChannelSnapshot(tasks: 10_000)
      for _ in 0..<loops { blackHole(Analysis(snapshot).deadlocks.count) }
      return
    }
    // `DEADTOP_BENCH_PROFILE_REPORT=json perf record deadtop-bench` (or `text`): the report
    // of the 10,000-task lock snapshot, 20 times.
    if let report = ProcessInfo.processInfo.environment["DEADTOP_BENCH_PROFILE_REPORT"] {
      let analysis = Analysis(syntheticSnapshot(tasks: 10_000))
      for _ in 0..<20 {
        blackHole(
          report == "json" ? JSONReport.render(analysis).utf8.count : TextReport.render(analysis).utf8.count)
      }
      return
    }
    // `DEADTOP_BENCH_PROFILE_RECORDING=10 perf record deadtop-bench`: encoding ten minutes
    // of the churning 1,000-task process, 10 times.
    if let loops = ProcessInfo.processInfo.environment["DEADTOP_BENCH_PROFILE_RECORDING"].flatMap(Int.init) {
      let frames = churningSnapshots(tasks: 1_000, frames: 1_200)
      for _ in 0..<loops {
        let recorder = Recorder(
          meta: RecordingMeta(
            wallClockNanoseconds: 0, monotonicNanoseconds: 0, intervalMilliseconds: 500, command: "bench"))
        for snapshot in frames { recorder.append(snapshot) }
      }
      return
    }
    if CommandLine.arguments.dropFirst().first == exporterChildArgument {
      exporterChild()
    } else if CommandLine.arguments.dropFirst().first == samplerChildArgument {
      samplerChild(tasks: Int(CommandLine.arguments.last ?? "") ?? 200)
    } else {
      runAll()
    }
  }

  /// All groups, or those named on the command line (`deadtop-bench analysis screen`).
  static func runAll() {
    let chosen = Set(CommandLine.arguments.dropFirst())
    print("deadtop benchmarks (release build, best of \(rounds) rounds)\n")
    for group in groups where chosen.isEmpty || chosen.contains(group.name) { group.run() }
  }

  // MARK: Uncontended lock + unlock

  static func uncontendedLocks() {
    let iterations = 20_000_000
    let tracked = Deadtop.Mutex(name: "bench")
    let standard = Synchronization.Mutex<Int>(0)
    let pthread = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(pthread, nil)

    let standardNanoseconds = nanosecondsPerOperation(iterations) {
      for _ in 0..<iterations { standard.withLock { $0 &+= 1 } }
    }
    let pthreadNanoseconds = nanosecondsPerOperation(iterations) {
      for _ in 0..<iterations {
        pthread_mutex_lock(pthread)
        pthread_mutex_unlock(pthread)
      }
    }
    let trackedNanoseconds = nanosecondsPerOperation(iterations) {
      for _ in 0..<iterations {
        tracked.lock()
        tracked.unlock()
      }
    }
    let trackedWithLock = nanosecondsPerOperation(iterations) {
      var counter = 0
      for _ in 0..<iterations { tracked.withLock { counter &+= 1 } }
      blackHole(counter)
    }
    print("Uncontended lock + unlock (\(iterations) iterations)")
    row("Synchronization.Mutex.withLock", standardNanoseconds, baseline: standardNanoseconds)
    row("pthread_mutex lock+unlock", pthreadNanoseconds, baseline: standardNanoseconds)
    row("Deadtop.Mutex lock+unlock", trackedNanoseconds, baseline: standardNanoseconds)
    row("Deadtop.Mutex.withLock", trackedWithLock, baseline: standardNanoseconds)
    print("  target: Deadtop.Mutex within 2x of Synchronization.Mutex\n")

    // Acquiring while holding another lock: the lock-order check against none.
    let outer = Deadtop.Mutex(name: "outer")
    let inner = Deadtop.Mutex(name: "inner")
    outer.lock()
    LockOrderTracking.isEnabled = false
    let untracked = nanosecondsPerOperation(iterations) {
      for _ in 0..<iterations {
        inner.lock()
        inner.unlock()
      }
    }
    LockOrderTracking.isEnabled = true
    let ordered = nanosecondsPerOperation(iterations) {
      for _ in 0..<iterations {
        inner.lock()
        inner.unlock()
      }
    }
    outer.unlock()
    print("Acquire while holding another lock (\(iterations) iterations)")
    row("Deadtop.Mutex, lock order off", untracked, baseline: untracked)
    row("Deadtop.Mutex, lock order on", ordered, baseline: untracked)
    print("  target: lock-order tracking within 2x of the same acquisition without it\n")
  }

  // MARK: Analysis and reports

  /// A busy process of `count` tasks and as many mutexes: half the tasks run holding a
  /// lock, most of the rest wait for a running holder (or in a chain behind another
  /// waiter), and one pair in every thousand is an AB-BA deadlock.
  static func syntheticSnapshot(tasks count: Int) -> Snapshot {
    var tasks: [TaskInfo] = []
    var resources: [ResourceInfo] = []
    for index in 0..<count {
      resources.append(ResourceInfo(id: UInt64(index + 1), kind: .mutex, name: "m\(index)"))
    }
    for index in 0..<count {
      let id = UInt64(index + 1)
      let holds = [Hold(resource: id, mode: .exclusive)]
      if index % 2 == 0 {
        tasks.append(TaskInfo(id: id, name: "t\(index)", state: .running, holds: holds))
        continue
      }
      let target: UInt64
      if index % 1000 == 1 {
        target = id + 2  // waits for the next odd task's lock ...
      } else if index % 1000 == 3 {
        target = id - 2  // ... which waits for this one's: AB-BA
      } else if index % 4 == 1 {
        target = id - 1  // a running holder
      } else {
        target = id - 2  // behind another waiter
      }
      let wait = Wait(kind: .mutex, target: .resource(target), sequence: id)
      tasks.append(TaskInfo(id: id, name: "t\(index)", state: .blocked, wait: wait, holds: holds))
    }
    return Snapshot(
      process: ProcessSummary(pid: 1, name: "synthetic", source: .recording),
      takenAtNanoseconds: 1, tasks: tasks, resources: resources)
  }

  static func analysisAndReports() {
    print("Analysis and reports (synthetic snapshots)")
    for count in [1_000, 10_000] {
      let snapshot = syntheticSnapshot(tasks: count)
      let analyse = nanosecondsPerOperation(1) { blackHole(Analysis(snapshot).deadlocks.count) }
      let analysis = Analysis(snapshot)
      let text = nanosecondsPerOperation(1) { blackHole(TextReport.render(analysis).utf8.count) }
      let json = nanosecondsPerOperation(1) { blackHole(JSONReport.render(analysis).utf8.count) }
      print(
        "  \(count) tasks, \(count) mutexes, \(analysis.deadlocks.count) deadlocks "
          + "(\(analysis.deadlocked.count) tasks stuck): analysis \(milliseconds(analyse)), text report "
          + "\(milliseconds(text)), JSON report \(milliseconds(json))")
    }
    channelAnalysis()
    print("  target: analysis of 10,000 tasks and 10,000 resources under 10 ms\n")
  }

  static func channelAnalysis() {
    for count in [1_000, 10_000] {
      let snapshot = syntheticChannelSnapshot(tasks: count)
      let analyse = nanosecondsPerOperation(1) { blackHole(Analysis(snapshot).deadlocks.count) }
      let analysis = Analysis(snapshot)
      print(
        "  \(count) tasks, \(count) channels, \(analysis.deadlocks.count) deadlocks "
          + "(\(analysis.deadlocked.count) tasks stuck): analysis \(milliseconds(analyse))")
    }
    for count in [1_000, 10_000] {
      let snapshot = syntheticRetrySnapshot(tasks: count)
      let analyse = nanosecondsPerOperation(1) { blackHole(Analysis(snapshot).retryLeaks.count) }
      let analysis = Analysis(snapshot)
      print(
        "  \(count) tasks, half in retry loops on a timer and a context, \(analysis.retryLeaks.count) retry "
          + "leaks: analysis \(milliseconds(analyse))")
    }
  }

  // MARK: The live view

  static func snapshotToScreen() {
    print("Snapshot to screen (analysis + tasks view at 120x40, sorted by id)")
    for count in [1_000, 10_000] {
      let snapshot = syntheticSnapshot(tasks: count)
      var state = AppState()
      let full = nanosecondsPerOperation(1) {
        let frame = Frame(analysis: Analysis(snapshot))
        blackHole(Renderer.render(state, frame, width: 120, height: 40).cells.count)
      }
      state.view = .deadlocks
      let deadlocks = nanosecondsPerOperation(1) {
        let frame = Frame(analysis: Analysis(snapshot))
        blackHole(Renderer.render(state, frame, width: 120, height: 40).cells.count)
      }
      print("  \(count) tasks: tasks view \(milliseconds(full)), deadlocks view \(milliseconds(deadlocks))")
    }
    print("  target: under 5 ms for 10,000 tasks\n")
  }

  // MARK: Reading the segment

  static func segmentReads() {
    // This process's own segment, with 200 tasks parked on a held mutex.
    let gate = Deadtop.Mutex(name: "gate")
    gate.lock()
    let parked = (0..<200).map { index in spawn("parked-\(index)") { gate.withLock {} } }
    usleep(200_000)
    guard let source = try? SegmentSource(pid: getpid()) else {
      print("Segment reads: cannot open this process's segment\n")
      return
    }
    let snapshot = nanosecondsPerOperation(1) { blackHole((try? source.snapshot())?.tasks.count ?? 0) }
    let confirmed = nanosecondsPerOperation(1) {
      blackHole((try? source.snapshot()).map { Analysis($0).deadlocks.count } ?? 0)
    }
    print("Segment reads (default capacities: 1024 task slots, 4096 resource slots; 200 tasks live)")
    print("  snapshot \(milliseconds(snapshot)), snapshot + analysis \(milliseconds(confirmed))\n")
    gate.unlock()
    for task in parked { task.join() }
  }

  // MARK: Reading /proc

  /// A C program with 1,000 threads parked on a mutex, read through /proc.
  static func procReads() {
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../Tests/CPrograms/many_threads.c").standardized.path
    let binary = NSTemporaryDirectory() + "deadtop-bench-many-threads"
    guard let compiled = try? Subprocess.run("/usr/bin/cc", ["-pthread", "-O1", "-o", binary, source]),
      compiled.status == 0
    else {
      print("/proc reads: no C compiler\n")
      return
    }
    guard
      let program = try? Subprocess(executable: binary, arguments: ["1000"], output: .pipe, errors: .discard)
    else { return }
    defer { program.terminate() }
    _ = program.read(waitingUpTo: 10_000)  // "ready PID"
    // The first snapshot of a new source also reads the ELF symbol tables and each new
    // wait's stack; the live view's refreshes after it are the steady cost.
    let coldStart = now()
    guard let reader = try? ProcSource(pid: program.pid), (try? reader.snapshot()) != nil else { return }
    let cold = Double(now() - coldStart)
    var threads = 0
    let snapshot = nanosecondsPerOperation(1) { threads = (try? reader.snapshot())?.tasks.count ?? 0 }
    print("/proc reads (a C program, \(threads) threads parked on one mutex)")
    print("  first snapshot (attach) \(milliseconds(cold))")
    print("  snapshot \(milliseconds(snapshot))")
    print("  target: under 50 ms for 1,000 threads (aim: 20 ms)\n")
  }

  // MARK: The sampler

  static let samplerChildArgument = "--sampler-child"

  /// A child with parked tasks that lives 3 s; its sampler is on (every 10 ms) or off.
  static func samplerChild(tasks: Int) {
    let gate = Deadtop.Mutex(name: "gate")
    gate.lock()
    let parked = (0..<tasks).map { index in spawn("parked-\(index)") { gate.withLock {} } }
    usleep(3_000_000)
    gate.unlock()
    for task in parked { task.join() }
  }

  /// The sampler's CPU cost: a child with it every 10 ms against one without, same work.
  static func samplerCost() {
    // posix_spawn and wait4, not Foundation's Process, which reaps children itself.
    func childCPU(_ environment: [String: String], tasks: Int) -> Double? {
      let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map {
        "\($0.key)=\($0.value)"
      }
      let arguments: [String] = [CommandLine.arguments[0], samplerChildArgument, "\(tasks)"]
      let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
      let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
      defer { for pointer in argv + envp { free(pointer) } }
      var pid = pid_t()
      guard posix_spawn(&pid, CommandLine.arguments[0], nil, nil, argv, envp) == 0 else { return nil }
      var status: Int32 = 0
      var usage = rusage()
      guard wait4(pid, &status, 0, &usage) == pid else { return nil }
      return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
    }
    print("Sampler (a child with N parked tasks for 3 s; sampler every 10 ms vs off, best of 3)")
    for tasks in [20, 200] {
      var on = Double.infinity
      var off = Double.infinity
      for _ in 0..<3 {
        on = min(on, childCPU(["DEADTOP_SCHEDTRACE_MS": "10"], tasks: tasks) ?? .infinity)
        off = min(off, childCPU(["DEADTOP_SAMPLER": "0"], tasks: tasks) ?? .infinity)
      }
      let perSample = max(0, on - off) / (3.0 / 0.010)
      print(
        "  \(tasks) tasks: CPU \(format(on * 1000, digits: 1)) ms with, \(format(off * 1000, digits: 1)) ms "
          + "without; one record \(format(perSample * 1e6, digits: 1)) µs = "
          + "\(format(perSample * 100, digits: 4))% of one core at the default 1 s interval")
    }
    print("  target: under 0.1% of one core\n")
  }

  // MARK: Helpers

  static func nanosecondsPerOperation(_ operations: Int, _ body: () -> Void) -> Double {
    body()  // warm up
    var best = Double.infinity
    for _ in 0..<rounds {
      let start = now()
      body()
      best = min(best, Double(now() - start) / Double(operations))
    }
    return best
  }

  static func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }

  static func row(_ name: String, _ nanoseconds: Double, baseline: Double) {
    let padded = name + String(repeating: " ", count: max(0, 34 - name.count))
    let ratio = nanoseconds / baseline
    print("  \(padded) \(format(nanoseconds, digits: 2)) ns/op   \(format(ratio, digits: 2))x")
  }

  static func milliseconds(_ nanoseconds: Double) -> String {
    format(nanoseconds / 1e6, digits: 2) + " ms"
  }

  static func format(_ value: Double, digits: Int) -> String {
    let scale = Double((0..<digits).reduce(1) { result, _ in result * 10 })
    let rounded = (value * scale).rounded() / scale
    return "\(rounded)"
  }
}

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
