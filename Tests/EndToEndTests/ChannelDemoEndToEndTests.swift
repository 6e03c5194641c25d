import DeadtopCore
import Foundation
import Testing

/// What a channel demo must be reported as: the finding's kind, certainty and scope,
/// and a task it must name.
struct Finding: Sendable, CustomStringConvertible {
  let name: String
  let kind: String
  let certainty: String
  let scope: String
  let names: String
  var description: String { name }
}

let channelDemoFindings = [
  Finding(
    name: "buffer-overfill", kind: "stuck-forever", certainty: "certain", scope: "global", names: "main"),
  Finding(name: "receive-first", kind: "cycle", certainty: "certain", scope: "global", names: "ping"),
  Finding(
    name: "unbuffered-send", kind: "stuck-forever", certainty: "certain", scope: "global", names: "main"),
  Finding(
    name: "range-unclosed", kind: "stuck-forever", certainty: "certain", scope: "partial", names: "consumer"),
  Finding(
    name: "waitgroup-missing-done", kind: "stuck-forever", certainty: "certain", scope: "global",
    names: "main"),
  Finding(name: "mutex-send", kind: "cycle", certainty: "likely", scope: "partial", names: "writer"),
  Finding(
    name: "cond-never-signalled", kind: "stuck-forever", certainty: "likely", scope: "partial",
    names: "consumer"),
  Finding(
    name: "leaked-child", kind: "stuck-forever", certainty: "certain", scope: "partial", names: "lookup"),
  Finding(name: "select-default", kind: "cycle", certainty: "certain", scope: "global", names: "poller"),
  Finding(
    name: "select-timeout", kind: "stuck-forever", certainty: "certain", scope: "global", names: "main"),
  Finding(name: "errgroup", kind: "cycle", certainty: "certain", scope: "global", names: "worker-2"),
]

let panickingDemos = [
  ("waitgroup-add-inside", "panic: send on closed channel (channel \"results\")"),
  ("close-twice", "panic: close of closed channel (channel \"items\")"),
  ("send-on-closed", "panic: send on closed channel (channel \"feed\")"),
]

@Suite(.serialized) struct ChannelDemoEndToEndTests {
  @Test(arguments: channelDemoFindings)
  func eachChannelDemoIsReportedWithItsKindAndCertainty(_ expected: Finding) throws {
    let demo = try DemoProcess(expected.name)
    let outcome = try demo.attachUntil { $0.status == 3 }
    #expect(outcome.status == 3, "stdout: \(outcome.output) stderr: \(outcome.error)")
    let document = try report(outcome)
    let deadlock = try #require(document.deadlocks.first)
    #expect(deadlock.kind == expected.kind)
    #expect(deadlock.certainty == expected.certainty)
    #expect(deadlock.scope == expected.scope)
    #expect(deadlock.global == (expected.scope == "global"))
    #expect(deadlock.tasks.contains(expected.names), "\(deadlock.tasks)")
    #expect(deadlock.reason?.isEmpty == false)

    let text = try deadtop("--attach", "\(demo.pid)", "--once")
    #expect(text.output.contains("why \(expected.certainty): "))
  }

  @Test(arguments: channelDemoFindings.map(\.name) + panickingDemos.map(\.0))
  func eachFixedVariantIsClean(_ scenario: String) throws {
    let demo = try DemoProcess(scenario, ["--fixed", "--stay"])
    try demo.waitFor("scenario finished: no deadlock")
    let outcome = try deadtop("--attach", "\(demo.pid)", "--once", "--json")
    #expect(outcome.status == 0, "stdout: \(outcome.output) stderr: \(outcome.error)")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty)
  }

  @Test(arguments: panickingDemos.map { [$0.0, $0.1] })
  func misuseIsGosPanicWithTheCallSite(_ pair: [String]) throws {
    let outcome = try run(Binaries.demo, [pair[0]])
    #expect(outcome.status == 2)
    #expect(outcome.error.contains(pair[1]), "\(outcome.error)")
    #expect(outcome.error.contains("DemoScenarios/ChannelScenarios.swift:"))
  }

  @Test func withOnDeadlockAbortTheRuntimeReportsAndExits() throws {
    let aborted = try run(Binaries.demo, ["unbuffered-send"], environment: ["DEADTOP_ON_DEADLOCK": "abort"])
    #expect(aborted.status == 2)
    #expect(aborted.error.contains("deadtop: deadlock in process"))
    #expect(aborted.error.contains("stuck forever"))
    #expect(aborted.error.contains("fatal error: deadlock (DEADTOP_ON_DEADLOCK=abort)"))
  }
}
