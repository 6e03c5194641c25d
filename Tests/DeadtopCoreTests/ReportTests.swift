import DeadtopCore
import DeadtopReports
import Foundation
import Testing

@Suite struct ReportTests {
  func abba() -> Analysis {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "account-alice")
    let b = process.mutex(101, "account-bob")
    process.blocked(1, "pay-alice-bob", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "pay-bob-alice", on: .mutex, .resource(a), holds: [holding(b)])
    process.blocked(3, "main", on: .join, .task(1))
    return process.analysis
  }

  @Test func textSpellsOutTheChain() {
    let text = TextReport.render(abba())
    #expect(text.contains("Process 42 \"bank\""))
    #expect(text.contains("DEADLOCK: 1 deadlock, 3 tasks stuck. Every live task is blocked"))
    #expect(text.contains("Deadlock 1: cycle of 2 tasks (certain)"))
    #expect(
      text.contains(
        "task 1 \"pay-alice-bob\" waits to lock mutex \"account-bob\" for 2.0s, at App/Bank.swift:1 in run()")
    )
    #expect(
      text.contains(
        "→ mutex \"account-bob\" is held by task 2 \"pay-bob-alice\" (acquired at App/Bank.swift:7 in take())"
      ))
    #expect(
      text.contains(
        "held by task 1 \"pay-alice-bob\" (acquired at App/Bank.swift:7 in take()): back to the start"))
    #expect(text.contains("blocked behind it:\n    task 3 \"main\" waits to join task 1 \"pay-alice-bob\""))
    #expect(text.contains("holds:   mutex \"account-alice\", acquired at App/Bank.swift:7 in take()"))
  }

  @Test func textSaysWhenThereIsNoDeadlock() {
    var process = SnapshotBuilder()
    process.running(1, "main")
    #expect(TextReport.render(process.analysis).contains("No deadlock found."))
  }

  @Test func jsonFollowsTheDocumentedSchema() throws {
    let json = JSONReport.render(abba())
    let document = try JSONDecoder().decode(JSONReport.Document.self, from: Data(json.utf8))
    #expect(document.schema == "deadtop.report")
    #expect(document.version == 1)
    #expect(document.summary.deadlockedTasks == 3)
    #expect(document.summary.global)
    #expect(document.deadlocks.count == 1)
    let deadlock = document.deadlocks[0]
    #expect(deadlock.kind == "cycle")
    #expect(deadlock.certainty == "certain")
    #expect(deadlock.tasks == ["pay-alice-bob", "pay-bob-alice", "main"])
    #expect(Set(deadlock.resources) == ["account-alice", "account-bob"])
    #expect(deadlock.cycle.map(\.because) == ["holds", "holds"])
    #expect(deadlock.cycle[0].heldSince?.function == "take()")
    let task = try #require(document.tasks.first { $0.name == "pay-alice-bob" })
    #expect(task.wait?.kind == "mutex")
    #expect(task.wait?.waitsFor == [2])
    #expect(task.holds.map(\.name) == ["account-alice"])
    #expect(task.deadlocked)
    // Raw keys a script would use.
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["deadlocks"] is [Any])
  }

  @Test func dotMarksTheDeadlockRed() {
    let dot = DOTReport.render(abba())
    #expect(dot.hasPrefix("digraph deadtop {"))
    #expect(dot.contains("t1 -> r101 [label=\"wants\", color=red, penwidth=2];"))
    #expect(dot.contains("r101 -> t2 [label=\"held by\", color=red, penwidth=2];"))
    // Titled with the verdict; a cycle laid out as a ring; main, blocked behind, apart.
    #expect(dot.contains("label=\"DEADLOCK: 1 deadlock, 3 tasks stuck."))
    #expect(dot.contains("layout=circo"))
    #expect(
      dot.contains(
        "t3 [shape=box, label=\"main\\nblocked\", color=orange, fontcolor=darkorange, style=dashed];"))
    #expect(dot.contains("t3 -> t1 [label=\"joins\", color=orange];"))
    #expect(
      dot.contains("r100 [shape=ellipse, label=\"mutex \\\"account-alice\\\"\", color=red, fontcolor=red];"))
  }

  @Test func dotDrawsASelectToEveryChannelItNames() {
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(30, .channel, "jobs")
    let quit = process.synchronizer(31, .channel, "quit")
    process.selecting(
      1, "dispatcher",
      [Wait.Case(resource: jobs, operation: .send), Wait.Case(resource: quit, operation: .receive)])
    let dot = DOTReport.render(process.analysis)
    #expect(dot.contains("t1 -> r30 [label=\"select send\""))
    #expect(dot.contains("t1 -> r31 [label=\"select receive\""))
    #expect(!dot.contains("r0"), "no phantom node for the select's empty target")
  }

  @Test func hiddenFactsMakeTheVerdictUnknownNotClean() {
    var process = SnapshotBuilder()
    process.running(1, "main")
    var snapshot = process.snapshot
    #expect(Analysis(snapshot).verdict == .noDeadlock)
    snapshot.hiddenFacts = ["what its threads wait on"]
    let analysis = Analysis(snapshot)
    #expect(analysis.verdict == .unknown)
    #expect(
      TextReport.verdict(analysis) == [
        "Verdict unknown: deadtop could not see what it needs to tell (what its threads wait on)."
      ])
    #expect(!TextReport.render(analysis).contains("No deadlock"))
    // A deadlock that is seen is a deadlock, whatever else is hidden.
    var stuck = SnapshotBuilder()
    let lock = stuck.mutex(10, "A")
    stuck.blocked(1, "one", on: .mutex, .resource(lock), holds: [holding(lock)])
    var seen = stuck.snapshot
    seen.hiddenFacts = ["who holds the locks its threads wait for"]
    #expect(Analysis(seen).verdict == .deadlock)
  }

  @Test func durationsAreShort() {
    #expect(formatDuration(0.1234) == "123ms")
    #expect(formatDuration(3.21) == "3.2s")
    #expect(formatDuration(245) == "4m05s")
    #expect(formatDuration(7380) == "2h03m")
  }

  @Test func unnamedLocksAreLabelledByCreationSite() {
    let snapshot = Snapshot(
      process: ProcessSummary(pid: 1, name: "x", source: .runtime),
      takenAtNanoseconds: 0, tasks: [],
      resources: [
        ResourceInfo(id: 7, kind: .rwMutex, site: CallSite(file: "A/B.swift", line: 3, function: ""))
      ])
    #expect(snapshot.label(resource: 7) == "rwmutex #7 (created at A/B.swift:3)")
    #expect(snapshot.label(resource: 8) == "resource #8")
  }
}

@Suite struct ChannelReportTests {
  func leakedChild() -> Analysis {
    var process = SnapshotBuilder()
    let answer = process.synchronizer(100, .channel, "answer", users: [1, 2], references: 1)
    process.running(1, "main")
    process.blocked(2, "child", on: .send, .resource(answer), parent: 1, createdAt: 2_000)
    return process.analysis
  }

  @Test func textExplainsAStuckForeverFinding() {
    let text = TextReport.render(leakedChild())
    #expect(text.contains("1 of 2 live tasks stuck; the others run on (a partial deadlock)"))
    #expect(text.contains("Deadlock 1: stuck forever (certain)"))
    #expect(
      text.contains(
        "task 2 \"child\" waits to send on channel \"answer\" for 2.0s, at App/Bank.swift:2 in run()"))
    #expect(
      text.contains(
        "why certain: nothing but the task blocked on channel \"answer\" still refers to it (1 reference, all its own)"
      ))
    #expect(
      text.contains(
        "Resources\n  channel \"answer\" (created at App/Fetch.swift:3 in fetch()): unbuffered, used by task 1 "
          + "\"main\", task 2 \"child\"; waiting: task 2 \"child\""
      ))
  }

  @Test func jsonCarriesScopeReasonAndChannelState() throws {
    let document = JSONReport.document(leakedChild())
    let finding = try #require(document.deadlocks.first)
    #expect(finding.kind == "stuck-forever")
    #expect(finding.scope == "partial")
    #expect(finding.certainty == "certain")
    #expect(finding.reason?.hasPrefix("nothing but the task blocked on channel \"answer\"") == true)
    #expect(finding.tasks == ["child"])
    let channel = try #require(document.resources.first)
    #expect(channel.kind == "channel")
    #expect(channel.capacity == 0)
    #expect(channel.closed == false)
    #expect(channel.users == [1, 2])
    #expect(channel.references == 1)
    #expect(channel.waiters == [2])
  }
}
