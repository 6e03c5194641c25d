import DeadtopCore
import DeadtopReader
import Foundation
import Testing

/// A small C program from Tests/CPrograms, compiled with `cc -pthread` and started the
/// way a stuck service would be: it knows nothing of deadtop.
final class CProgram {
  static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("CPrograms")
  static let buildDirectory = NSTemporaryDirectory() + "deadtop-cprograms-\(getpid())"

  let process: Subprocess
  let pid: Int32

  /// Compiles (once per test run) and starts `name`, waiting for its "ready PID" line.
  init(_ name: String) throws {
    let binary = try Self.compile(name)
    process = try Subprocess(executable: binary, arguments: [], output: .pipe, errors: .discard)
    var line = ""
    for _ in 0..<200 where !line.contains("\n") { line += process.read(waitingUpTo: 100) }
    guard
      let pid = Int32(line.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    else { throw HarnessError("\(name) printed \(line)") }
    self.pid = pid
  }

  deinit { process.terminate() }

  static let swiftSources = sources.deletingLastPathComponent().appendingPathComponent("SwiftPrograms")

  /// A C program from Tests/CPrograms (`cc -pthread`), or a Swift one from
  /// Tests/SwiftPrograms (`swiftc`, when `name` has no C source).
  static func compile(_ name: String) throws -> String {
    try FileManager.default.createDirectory(atPath: buildDirectory, withIntermediateDirectories: true)
    let binary = "\(buildDirectory)/\(name)"
    if FileManager.default.isExecutableFile(atPath: binary) { return binary }
    let cSource = sources.appendingPathComponent("\(name).c").path
    let usesDispatch =
      (try? String(contentsOfFile: cSource, encoding: .utf8))?.contains("<dispatch/") ?? false
    let compiled =
      usesDispatch
      // libdispatch's headers and library come with the Swift toolchain, and want its clang.
      ? try run(
        URL(fileURLWithPath: toolchainBinary("clang")),
        ["-pthread", "-g", "-O0", "-o", binary + ".tmp", cSource] + dispatchFlags)
      : FileManager.default.fileExists(atPath: cSource)
        ? try run(
          URL(fileURLWithPath: "/usr/bin/cc"), ["-pthread", "-g", "-O0", "-o", binary + ".tmp", cSource])
        : try run(
          URL(fileURLWithPath: swiftCompiler),
          ["-o", binary + ".tmp", swiftSources.appendingPathComponent("\(name).swift").path])
    guard compiled.status == 0 else { throw HarnessError("compiling \(name) failed: \(compiled.error)") }
    rename(binary + ".tmp", binary)
    return binary
  }

  /// The swiftc beside the toolchain running the tests.
  static var swiftCompiler: String { toolchainBinary("swiftc") }

  /// A tool of the Swift toolchain (`swiftc`, `clang`).
  static func toolchainBinary(_ name: String) -> String {
    let candidates = ["/opt/swift/usr/bin/", "/usr/bin/", "/usr/local/bin/"].map { $0 + name }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? name
  }

  /// Compiling and linking C against the toolchain's libdispatch.
  static var dispatchFlags: [String] {
    let usr = URL(fileURLWithPath: toolchainBinary("swiftc")).deletingLastPathComponent()
      .deletingLastPathComponent().path
    let libraries = "\(usr)/lib/swift/linux"
    return ["-I\(usr)/lib/swift", "-L\(libraries)", "-ldispatch", "-Wl,-rpath,\(libraries)"]
  }

  /// Attaches with `deadtop --attach PID --once --json` until `condition` holds.
  func attachUntil(within seconds: Double = 20, _ condition: (Outcome) -> Bool) throws -> Outcome {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      let outcome = try deadtop("--attach", "\(pid)", "--once", "--json")
      if condition(outcome) || Date() > deadline { return outcome }
      usleep(50_000)
    }
  }
}

let deadlockingCPrograms = [
  Expectation(name: "abba", cycle: ["transfer", "audit"], resources: ["accounts_lock", "ledger_lock"]),
  Expectation(
    name: "three_cycle", cycle: ["worker-0", "worker-1", "worker-2"],
    resources: ["lock_a", "lock_b", "lock_c"]),
  Expectation(name: "self_lock", cycle: ["refresh"], resources: ["cache_lock"]),
  Expectation(name: "join_cycle", cycle: ["joiner-0", "joiner-1", "joiner-2"], resources: []),
  Expectation(
    name: "rwlock_cycle", cycle: ["writer", "reader"], resources: ["config_lock", "state_lock"]),
]

@Suite(.needsCompiler)
struct ProcEndToEndTests {
  @Test(arguments: deadlockingCPrograms)
  func aDeadlockWithoutTheRuntimeIsFoundThroughProc(_ expected: Expectation) throws {
    let program = try CProgram(expected.name)
    let outcome = try program.attachUntil { $0.status == 3 }
    #expect(outcome.status == 3, "stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.process.source == "proc")
    #expect(document.deadlocks.count == 1)
    let deadlock = try #require(document.deadlocks.first)
    #expect(deadlock.certainty == "certain")
    #expect(Set(deadlock.cycle.map(\.taskName)) == expected.cycle)
    #expect(Set(deadlock.resources) == expected.resources)

    let dot = try deadtop("--attach", "\(program.pid)", "--once", "--dot")
    #expect(dot.status == 3)
    #expect(dot.output.contains("color=red"))
  }

  @Test func aHealthyProgramIsClean() throws {
    let program = try CProgram("healthy")
    usleep(200_000)  // let every thread reach its steady state
    let outcome = try deadtop("--attach", "\(program.pid)", "--once", "--json")
    #expect(outcome.status == 0, "stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty)
    // The condition-variable wait is shown, with no owner, and is not a deadlock.
    let consumer = try #require(document.tasks.first { $0.name == "consumer" })
    #expect(consumer.wait?.kind == "futex" || consumer.wait == nil)
    #expect(!consumer.deadlocked)
    #expect(document.tasks.contains { $0.name == "busy" })
    #expect(document.tasks.contains { $0.name == "reentrant" && !$0.deadlocked })
  }

  @Test func aPriorityInheritanceMutexNamesItsOwner() throws {
    let program = try CProgram("pi_wait")
    let outcome = try program.attachUntil { outcome in
      (try? report(outcome))?.tasks.contains { $0.name == "waiter" && $0.wait?.kind == "mutex" } == true
    }
    let document = try report(outcome)
    #expect(outcome.status == 0)
    let waiter = try #require(document.tasks.first { $0.name == "waiter" })
    let holder = try #require(document.tasks.first { $0.name == "holder" })
    #expect(waiter.wait?.resourceName == "pi_lock")
    #expect(waiter.wait?.waitsFor == [holder.id])
    #expect(holder.holds.map(\.name) == ["pi_lock"])
  }

  @Test(.needsEuStack)
  func stacksShowWhereEachThreadWaits() throws {
    let program = try CProgram("abba")
    _ = try program.attachUntil { $0.status == 3 }
    let outcome = try deadtop("--attach", "\(program.pid)", "--once", "--stacks")
    #expect(outcome.status == 3, "stderr: \(outcome.error)")
    #expect(outcome.output.contains("stack:"))
    #expect(outcome.output.contains("transfer"))
    #expect(outcome.output.contains("pthread_mutex_lock"))
  }

  @Test(.needsRootAndSetpriv)
  func withoutPermissionItSaysWhatIsMissingAndShowsWhatItCan() throws {
    let program = try CProgram("abba")
    let outcome = try run(Binaries.deadtop, ["--attach", "\(program.pid)", "--once"], as: "65534")
    // Deadlocked, but the waits are hidden: never "No deadlock found", never status 0.
    #expect(outcome.status == 4, "stdout: \(outcome.output) stderr: \(outcome.error)")
    #expect(!outcome.output.contains("No deadlock"))
    #expect(
      outcome.output.contains(
        "Verdict unknown: deadtop could not see what it needs to tell (what its threads wait on)."))
    #expect(outcome.output.contains("task \(program.pid) \"abba (main)\""))
    #expect(outcome.output.contains("transfer"))
    #expect(outcome.output.contains("syscall, so waits are unknown: run deadtop as root"))
    #expect(outcome.output.contains("ptrace_scope"))
    let json = try run(Binaries.deadtop, ["--attach", "\(program.pid)", "--once", "--json"], as: "65534")
    #expect(json.status == 4)
    let document = try report(json)
    #expect(document.summary.verdict == "unknown")
    #expect(document.summary.hiddenFacts == ["what its threads wait on"])
  }

  @Test func aDispatchQueueSyncCycleIsResolvedToItsQueuesAndDrainers() throws {
    let program = try CProgram("dispatch_abba")
    let outcome = try program.attachUntil { $0.status == 3 }
    #expect(outcome.status == 3, "\(outcome.output)\(outcome.error)")
    let document = try report(outcome)
    let deadlock = try #require(document.deadlocks.first)
    #expect(deadlock.kind == "cycle")
    #expect(deadlock.certainty == "certain")
    #expect(Set(deadlock.resources) == ["com.example.ledger", "com.example.audit"])
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["posting", "auditing"])
    #expect(deadlock.cycle.allSatisfy { $0.waitKind == "dispatch-sync" })
    let text = try deadtop("--attach", "\(program.pid)", "--once")
    #expect(text.output.contains("waits to run sync on dispatch-queue \"com.example.audit\""))
    #expect(text.output.contains("dispatch-queue \"com.example.ledger\" is running a block on task"))
  }

  @Test func aWaitReadThroughProcIsAtLeastAsLongAsItWasSeen() throws {
    let program = try CProgram("abba")
    _ = try program.attachUntil { $0.status == 3 }
    // One source kept across snapshots, as the live view keeps it: the wait grows.
    let source = try ProcSource(pid: program.pid)
    let first = try source.snapshot()
    usleep(300_000)
    let later = try source.snapshot()
    let waiter = try #require(later.tasks.first { $0.wait?.kind == .mutex })
    let wait = try #require(waiter.wait)
    #expect(wait.sinceIsLowerBound)
    #expect(later.seconds(since: wait.sinceNanoseconds) >= 0.3)
    #expect(first.task(waiter.id)?.wait?.sinceNanoseconds == wait.sinceNanoseconds, "the same episode")
    // Reports say it is a lower bound.
    let text = try deadtop("--attach", "\(program.pid)", "--once")
    #expect(text.output.contains("waits to lock mutex \"ledger_lock\" for ≥ "))
    let json = try report(try deadtop("--attach", "\(program.pid)", "--once", "--json"))
    #expect(json.tasks.compactMap(\.wait).allSatisfy { $0.secondsAtLeast == true })
  }

  @Test func aThreeQueueRingIsOneCycle() throws {
    let program = try CProgram("dispatch_ring")
    let document = try report(try program.attachUntil { $0.status == 3 })
    let deadlock = try #require(document.deadlocks.first)
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["stage-0", "stage-1", "stage-2"])
    #expect(Set(deadlock.resources) == ["com.example.stage-0", "com.example.stage-1", "com.example.stage-2"])
  }

  @Test func mainSyncAgainstAMainThreadThatWaitsIsACycle() throws {
    let program = try CProgram("dispatch_main_sync")
    let outcome = try program.attachUntil { $0.status == 3 }
    let deadlock = try #require(try report(outcome).deadlocks.first)
    #expect(Set(deadlock.cycle.map(\.waitKind)) == ["dispatch-sync", "mutex"])
    let text = try deadtop("--attach", "\(program.pid)", "--once")
    #expect(
      text.output.contains(
        "dispatch-queue \"com.apple.main-thread\" runs only on the main thread, task \(program.pid)"))
  }

  @Test func threadsThatComeAndGoAreReadRightByOneSource() throws {
    let program = try CProgram("thread_churn")
    // One source kept across snapshots, as the live view keeps it, with its files open.
    let source = try ProcSource(pid: program.pid)
    // "ready" is printed before the parked thread has named itself and gone to sleep.
    let deadline = Date().addingTimeInterval(10)
    while try !source.snapshot().tasks.contains(where: { $0.name == "parked" && $0.wait?.kind == .futex }),
      Date() < deadline
    {
      usleep(2000)
    }
    for _ in 0..<40 {
      let snapshot = try source.snapshot()
      #expect(snapshot.tasks.contains { $0.name == "parked" && $0.wait?.kind == .futex })
      for task in snapshot.tasks where task.id != UInt64(program.pid) && task.name != "parked" {
        // A reused tid is a new thread: never the name of one that has gone.
        #expect(task.name.hasPrefix("churn-") || task.name == "thread_churn", "\(task.name)")
      }
      let analysis = Analysis(snapshot)
      #expect(analysis.deadlocks.isEmpty)
      usleep(10_000)
    }
  }

  @Test func busySyncCallsThatProgressAreNotADeadlock() throws {
    let program = try CProgram("dispatch_ordered")
    usleep(300_000)
    for _ in 0..<5 {
      let outcome = try deadtop("--attach", "\(program.pid)", "--once", "--json")
      #expect(outcome.status == 0, "\(outcome.output)")
      #expect(try report(outcome).deadlocks.isEmpty)
    }
  }
}
