import DeadtopReports
import Foundation
import Testing

/// The demos without the runtime, as `deadtop demo` runs them: Swift and C programs read
/// through /proc, each found, each fixed variant clean.
let plainDemos = [
  Expectation(
    name: "queue-abba", cycle: ["posting", "auditing"],
    resources: ["com.example.ledger", "com.example.audit"]),
  Expectation(
    name: "static-let", cycle: ["reloading", "first-use"],
    resources: ["Registry.shared", "registryLock (NSLock)"]),
  Expectation(name: "c-abba", cycle: ["transfer", "audit"], resources: ["accounts_lock", "ledger_lock"]),
  Expectation(name: "c-rwlock", cycle: ["reload", "serve"], resources: ["config", "cache_lock"]),
]

@Suite struct PlainDemoEndToEndTests {
  @Test(arguments: plainDemos)
  func eachPlainDemoDeadlockIsFoundThroughProc(_ expected: Expectation) throws {
    let outcome = try deadtop("demo", expected.name, "--json")
    #expect(outcome.status == 3, "\(outcome.output)\(outcome.error)")
    let document = try report(outcome)
    #expect(document.process.source == "proc")
    let deadlock = try #require(document.deadlocks.first)
    #expect(Set(deadlock.cycle.map(\.taskName)) == expected.cycle)
    #expect(Set(deadlock.resources) == expected.resources)
  }

  @Test func mainSyncIsACycleThroughTheMainThread() throws {
    let outcome = try deadtop("demo", "main-sync")
    #expect(outcome.status == 3, "\(outcome.output)\(outcome.error)")
    #expect(outcome.output.contains("no deadtop runtime: read through /proc"))
    #expect(outcome.output.contains("runs only on the main thread"))
    #expect(outcome.output.contains("(main)\" waits to lock mutex"))
  }

  @Test func theStarvedPoolDemoIsAHang() throws {
    let outcome = try deadtop("demo", "starved-pool", "--json")
    #expect(outcome.status == 5, "\(outcome.output)\(outcome.error)")
    let hang = try #require(try report(outcome).hangs.first)
    #expect(hang.calls.allSatisfy { $0 == "DispatchSemaphore.wait" })
  }

  @Test(arguments: plainDemos.map(\.name) + ["main-sync", "starved-pool"])
  func eachFixedPlainDemoFinishesClean(_ name: String) throws {
    let outcome = try deadtop("demo", name, "--fixed")
    #expect(outcome.status == 0, "\(outcome.output)\(outcome.error)")
    #expect(outcome.output.contains("No deadlock found."))
  }

  @Test func theListMarksTheDemosWithoutTheRuntime() throws {
    let outcome = try deadtop("demo", "--list")
    for name in plainDemos.map(\.name) + ["main-sync", "starved-pool"] {
      #expect(outcome.output.contains(name))
    }
    #expect(outcome.output.contains("(no runtime)"))
  }
}
