import DeadtopCore
import DeadtopReports
import Foundation
import Testing

/// A retry loop on `select(after(backoff), context.done)` whose context nobody can cancel:
/// a leak of its own kind, reported only on proof and on evidence that it loops.
@Suite struct RetryLeakTests {
  let site = CallSite(file: "App/Bank.swift", line: 1, function: "run()")

  /// Task 1 waits on a timer (200) and a done channel (100) that only it refers to.
  func retrying(doneReferences: Int = 1, doneUsers: [TaskID] = [1], clockOnly: Bool = false)
    -> SnapshotBuilder
  {
    var process = SnapshotBuilder()
    let timer = process.synchronizer(200, .channel, "after 1s", capacity: 1, clockDriven: true)
    let done = process.synchronizer(
      100, .channel, "retry context", clockDriven: clockOnly, users: doneUsers, references: doneReferences)
    process.selecting(
      1, "retrier",
      [Wait.Case(resource: timer, operation: .receive), .init(resource: done, operation: .receive)])
    if doneUsers.contains(2) { process.running(2, "main") }
    return process
  }

  /// Earlier waits at the same site, as the event ring records them when the task sleeps.
  func withEarlierWaits(_ process: SnapshotBuilder, count: Int) -> Snapshot {
    var snapshot = process.snapshot
    snapshot.events = (0..<count).map { index in
      Event(
        kind: .block, timeNanoseconds: process.now - UInt64(5 - index) * 1_000_000_000, task: 1, site: site,
        waitKind: .select)
    }
    return snapshot
  }

  @Test func aTaskSeenRetryingOnAContextNoTaskCanCancelIsALeakNotADeadlock() throws {
    let analysis = Analysis(withEarlierWaits(retrying(), count: 2))
    #expect(analysis.deadlocks.isEmpty)
    #expect(analysis.verdict == .noDeadlock)
    let leak = try #require(analysis.retryLeaks.first)
    #expect(leak.task == 1)
    #expect(leak.deadResources == [100])
    #expect(leak.episodes == 3)
    #expect(leak.site == site)
    let report = TextReport.render(analysis)
    #expect(report.contains("No deadlock found, but 1 task leaked, retrying forever."))
    #expect(
      report.contains(
        "Leak 1: task 1 \"retrier\" retries forever: only its timer ever ends its wait, since no task can ever "
          + "send on or close channel \"retry context\" (certain)"))
    #expect(report.contains("seen entering that wait 3 times over 5.0s"))
    #expect(report.contains("nothing but the task blocked on channel \"retry context\" still refers to it"))
  }

  @Test func oneWaitIsNoEvidenceUntilTheNextSnapshotShowsANewOne() {
    let first = retrying().snapshot
    #expect(Analysis(first).retryLeaks.isEmpty)
    var confirmation = DeadlockConfirmation()
    _ = confirmation.analyse(first)
    // The same wait again: it has not woken, so nothing shows it loops.
    #expect(confirmation.analyse(first).analysis.retryLeaks.isEmpty)
    // A new wait at the same site: it woke from its timer and came back.
    var again = first
    again.tasks[0].wait?.sequence += 100
    #expect(confirmation.analyse(again).analysis.retryLeaks.map(\.episodes) == [2])
  }

  @Test func aContextSomeoneElseMayStillCancelIsNoLeak() {
    // Two references, one not the waiter's: main may hold the cancel function.
    let analysis = Analysis(withEarlierWaits(retrying(doneReferences: 2, doneUsers: [1, 2]), count: 3))
    #expect(analysis.retryLeaks.isEmpty)
  }

  @Test func aLoopOnTimersAloneIsNoLeak() {
    // A deadline context is clock-driven too: it ends the loop by itself.
    let analysis = Analysis(withEarlierWaits(retrying(clockOnly: true), count: 3))
    #expect(analysis.retryLeaks.isEmpty)
  }

  @Test func theJSONReportListsTheLeak() throws {
    let analysis = Analysis(withEarlierWaits(retrying(), count: 1))
    let document = try JSONDecoder().decode(
      JSONReport.Document.self, from: Data(JSONReport.render(analysis).utf8))
    let entry = try #require(document.retryLeaks.first)
    #expect(entry.taskId == 1)
    #expect(entry.episodes == 2)
    #expect(entry.resources == ["channel \"retry context\""])
    #expect(entry.explanation.hasPrefix("Leak 1: task 1 \"retrier\" retries forever"))
  }
}
