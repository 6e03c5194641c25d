import DeadtopCore
import DeadtopReader
import Foundation
import Testing

/// What a deadlocking program (a demo scenario, a C program) must be reported as.
struct Expectation: Sendable, CustomStringConvertible {
  let name: String
  let cycle: Set<String>
  let resources: Set<String>
  var description: String { name }
}

let deadlockingDemos = [
  Expectation(
    name: "abba", cycle: ["pay-alice-bob", "pay-bob-alice"],
    resources: ["account-alice", "account-bob"]),
  Expectation(name: "double-lock", cycle: ["refresher"], resources: ["cache"]),
  Expectation(name: "read-then-write", cycle: ["reloader"], resources: ["config"]),
  Expectation(name: "read-write-read", cycle: ["lookup", "updater"], resources: ["registry"]),
  Expectation(
    name: "philosophers", cycle: Set((0..<5).map { "philosopher-\($0)" }),
    resources: Set((0..<5).map { "fork-\($0)" })),
]

@Suite(.serialized) struct DemoEndToEndTests {
  @Test(arguments: deadlockingDemos)
  func eachDemoDeadlockIsReportedWithItsTasksAndLocks(_ expected: Expectation) throws {
    let demo = try DemoProcess(expected.name)
    let outcome = try demo.attachUntil { $0.status == 3 }
    #expect(outcome.status == 3, "deadtop exit status; stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.process.pid == demo.pid)
    #expect(document.deadlocks.count == 1)
    let deadlock = try #require(document.deadlocks.first)
    #expect(deadlock.kind == "cycle")
    #expect(deadlock.certainty == "certain")
    #expect(deadlock.global, "main joins the stuck tasks, so every task is stuck")
    #expect(Set(deadlock.cycle.map(\.taskName)) == expected.cycle)
    #expect(Set(deadlock.resources) == expected.resources)
    #expect(deadlock.tasks.contains("main"))
    // Every task in the cycle waits on one of the locks, at a call site in the demo.
    for step in deadlock.cycle {
      #expect(step.waitSite?.file == "DemoScenarios/LockScenarios.swift")
      #expect(expected.resources.contains(step.resourceName ?? ""))
    }

    let text = try deadtop("--attach", "\(demo.pid)", "--once")
    #expect(text.status == 3)
    #expect(text.output.contains("DEADLOCK: 1 deadlock"))
    #expect(text.output.contains("back to the start"))
  }

  @Test(arguments: deadlockingDemos.map(\.name))
  func eachFixedVariantIsClean(_ scenario: String) throws {
    let demo = try DemoProcess(scenario, ["--fixed", "--stay"])
    try demo.waitFor("scenario finished: no deadlock")
    let outcome = try deadtop("--attach", "\(demo.pid)", "--once", "--json")
    #expect(outcome.status == 0, "stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty)
    #expect(document.summary.deadlockedTasks == 0)
    #expect(document.tasks.filter { $0.name != "main" }.allSatisfy { $0.state == "ended" })
  }

  @Test func anOrderThatHasNotDeadlockedIsPredictedWithBothCallSites() throws {
    let demo = try DemoProcess("lock-order", ["--stay"])
    try demo.waitFor("scenario finished")
    let outcome = try deadtop("--attach", "\(demo.pid)", "--once", "--json")
    #expect(outcome.status == 0, "a prediction is not a deadlock; stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty)
    #expect(document.potentialDeadlocks.count == 1)
    let potential = try #require(document.potentialDeadlocks.first)
    #expect(Set(potential.locks) == ["mutex \"inventory\"", "mutex \"pricing\""])
    #expect(potential.orders.count == 2)
    let sites = Set(potential.orders.compactMap { $0.acquiredSite.map { "\($0.file):\($0.line)" } })
    #expect(sites.count == 2, "both call sites: \(sites)")

    let fixed = try DemoProcess("lock-order", ["--fixed", "--stay"])
    try fixed.waitFor("scenario finished")
    let clean = try report(try deadtop("--attach", "\(fixed.pid)", "--once", "--json"))
    #expect(clean.potentialDeadlocks.isEmpty)
  }

  @Test func longWaitsNameTheHolder() throws {
    let demo = try DemoProcess("abba")
    _ = try demo.attachUntil { $0.status == 3 }
    usleep(200_000)
    let document = try report(
      try deadtop("--attach", "\(demo.pid)", "--once", "--json", "--long-wait", "0.1"))
    let long = try #require(document.longWaits.first { $0.name == "pay-alice-bob" })
    #expect(long.holders.count == 1)
    #expect(long.holderSites.first?.file == "DemoScenarios/LockScenarios.swift")
  }

  @Test func deadtopDemoRunsTheScenarioAndReportsTheCycle() throws {
    let outcome = try deadtop("demo", "abba")
    #expect(outcome.status == 3)
    #expect(outcome.output.contains("deadtop demo abba"))
    #expect(outcome.output.contains("Deadlock 1: cycle of 2 tasks (certain)"))
    #expect(outcome.output.contains("mutex \"account-bob\" is held by"))
  }

  @Test func deadtopDemoFixedFinishesClean() throws {
    let outcome = try deadtop("demo", "philosophers", "--fixed")
    #expect(outcome.status == 0, "stderr: \(outcome.error)")
    #expect(outcome.output.contains("No deadlock found."))
  }

  @Test func deadtopDemoListsEveryScenario() throws {
    let outcome = try deadtop("demo", "--list")
    #expect(outcome.status == 0)
    for expected in deadlockingDemos { #expect(outcome.output.contains(expected.name)) }
  }

  @Test func listShowsADeadlockedProcess() throws {
    let demo = try DemoProcess("abba")
    _ = try demo.attachUntil { $0.status == 3 }
    let outcome = try deadtop("list")
    #expect(outcome.status == 0)
    let row = outcome.output.split(separator: "\n").first { $0.hasPrefix("\(demo.pid) ") }
    #expect(row?.contains("YES (3 tasks)") == true, "list printed: \(outcome.output)")
  }

  @Test func misuseIsAFatalErrorWithTheCallSite() throws {
    let outcome = try run(Binaries.demo, ["unlock-unlocked"])
    #expect(outcome.status == 2)
    #expect(outcome.error.contains("fatal error: sync: unlock of unlocked mutex (mutex \"session\")"))
    #expect(outcome.error.contains("task 2 \"cleanup\""))
    #expect(outcome.error.contains("DemoScenarios/LockScenarios.swift:"))
  }

  @Test func theSegmentIsRemovedAtNormalExit() throws {
    let demo = try DemoProcess("abba", ["--fixed"])
    try demo.waitFor("scenario finished")
    #expect(demo.process.waitForExit(within: 20) == 0)
    #expect(access(SegmentSource.path(for: demo.pid), F_OK) != 0)
  }

  @Test(.needsGraphviz)
  func theDOTPictureOfACycleIsARing() throws {
    let dot = try deadtop("demo", "philosophers", "--dot")
    #expect(dot.status == 3)
    let path = NSTemporaryDirectory() + "deadtop-\(UUID().uuidString).dot"
    try dot.output.write(toFile: path, atomically: true, encoding: .utf8)
    defer { unlink(path) }
    // `-Tplain` starts with "graph SCALE WIDTH HEIGHT": a ring is about as tall as wide
    // (the old left-to-right layout of the same graph was 28 times wider than tall).
    let plain = try run(URL(fileURLWithPath: "/usr/bin/dot"), ["-Tplain", path])
    let header = plain.output.split(separator: "\n").first?.split(separator: " ") ?? []
    let width = Double(header.count > 2 ? header[2] : "") ?? 0
    let height = Double(header.count > 3 ? header[3] : "") ?? 0
    #expect(width > 0 && height > 0, "\(plain.output.prefix(200))")
    #expect(width / height < 2, "width \(width) height \(height)")
  }
}
