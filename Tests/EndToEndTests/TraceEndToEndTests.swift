import Foundation
import Testing

/// The runtime's history: the schedtrace ring, the event ring and the contention profile.
@Suite struct TraceEndToEndTests {
  @Test func theSchedtraceRingKeepsTheNewestRecordsInOrder() throws {
    let demo = try DemoProcess(
      "abba", environment: ["DEADTOP_SCHEDTRACE_RECORDS": "4", "DEADTOP_SCHEDTRACE_MS": "20"])
    var lines: [Substring] = []
    let deadline = Date().addingTimeInterval(20)
    // Wait until the ring has wrapped: more than 4 records written, 4 kept.
    repeat {
      usleep(100_000)
      lines = try deadtop("--attach", "\(demo.pid)", "--schedtrace", "--once").output.split(separator: "\n")
    } while (lines.count < 4 || !(lines.first?.hasPrefix("SCHED") ?? false) || milliseconds(lines[0]) < 200)
      && Date() < deadline
    #expect(lines.count == 4, "\(lines)")
    let times = lines.map(milliseconds)
    #expect(times == times.sorted())
    #expect(times[0] >= 100, "the oldest records were overwritten: \(times)")
    #expect(lines.allSatisfy { $0.contains("tasks=3") && $0.contains("waiting(mutex=") })
  }

  @Test func theSchedtraceCountsChannelAndWaitGroupWaits() throws {
    let demo = try DemoProcess("receive-first", environment: ["DEADTOP_SCHEDTRACE_MS": "20"])
    _ = try demo.attachUntil { $0.status == 3 }
    var line = ""
    let deadline = Date().addingTimeInterval(20)
    repeat {
      usleep(50_000)
      let lines = try deadtop("--attach", "\(demo.pid)", "--schedtrace", "--once").output.split(
        separator: "\n")
      line = String(lines.last ?? "")
    } while !line.contains("blocked=3") && Date() < deadline
    // ping and pong each receive; main waits for the group.
    #expect(line.contains("waiting(receive=2 waitgroup=1)"), "\(line)")
    #expect(line.contains("sends=0 receives=0"), "\(line)")
  }

  @Test func theRuntimePrintsSchedtraceLinesItself() throws {
    let outcome = try run(Binaries.demo, ["abba", "--fixed"], environment: ["DEADTOP_SCHEDTRACE": "20"])
    #expect(outcome.status == 0)
    let lines = outcome.error.split(separator: "\n").filter { $0.hasPrefix("SCHED ") }
    #expect(!lines.isEmpty, "stderr: \(outcome.error)")
    #expect(lines.contains { $0.contains("acquired=") && !$0.contains("acquired=0 ") }, "\(lines)")
  }

  @Test func theEventsOfADeadlockEndWithTheBlocksThatFormedTheCycle() throws {
    let demo = try DemoProcess("abba")
    _ = try demo.attachUntil { $0.status == 3 }
    let outcome = try deadtop("--attach", "\(demo.pid)", "--events")
    #expect(outcome.status == 0)
    let blocks = outcome.output.split(separator: "\n").filter { $0.contains(" block ") }
    let lastTwo = blocks.suffix(3).joined(separator: "\n")  // the two cycle blocks and main's join
    #expect(lastTwo.contains("task 2 \"pay-alice-bob\"  lock mutex \"account-bob\""), "\(outcome.output)")
    #expect(lastTwo.contains("task 3 \"pay-bob-alice\"  lock mutex \"account-alice\""), "\(outcome.output)")
    #expect(outcome.output.contains("spawn"))
  }

  @Test func theProfileRanksContendedCallSites() throws {
    let demo = try DemoProcess("philosophers", ["--fixed", "--stay"])
    try demo.waitFor("scenario finished")
    let outcome = try deadtop("--attach", "\(demo.pid)", "--profile")
    #expect(outcome.status == 0)
    #expect(outcome.output.contains("Call sites"))
    #expect(outcome.output.contains("DemoScenarios/LockScenarios.swift:"), "\(outcome.output)")
  }

  @Test func theJSONReportCarriesTheHistory() throws {
    let demo = try DemoProcess(
      "philosophers", ["--fixed", "--stay"], environment: ["DEADTOP_SCHEDTRACE_MS": "20"])
    try demo.waitFor("scenario finished")
    usleep(100_000)
    let document = try report(try deadtop("--attach", "\(demo.pid)", "--once", "--json"))
    #expect(!document.schedtrace.isEmpty)
    #expect(document.schedtrace.allSatisfy { $0.hasPrefix("SCHED ") })
    #expect(document.events.contains { $0.contains(" exit ") })
    #expect(document.events.count <= 100)
    #expect(!document.profile.sites.isEmpty)
    #expect(document.profile.sites[0].contended > 0)
  }

  @Test func traceModesNeedTheRuntime() throws {
    let sleeper = try Sleeper()
    let outcome = try deadtop("--attach", "\(sleeper.pid)", "--events")
    #expect(outcome.status == 1)
    #expect(outcome.error.contains("does not link the Deadtop runtime"))
  }
}

private func milliseconds(_ line: Substring) -> Int {
  Int(line.dropFirst("SCHED ".count).prefix { $0.isNumber }) ?? -1
}
