// One file over ~350 lines: the progress rule's cases for every primitive, one suite.
import DeadtopCore
import Testing

private func send(_ channel: ResourceID) -> Wait.Case { Wait.Case(resource: channel, operation: .send) }
private func receive(_ channel: ResourceID) -> Wait.Case { Wait.Case(resource: channel, operation: .receive) }

/// The progress rule over channels, selects, WaitGroups, Conds and semaphores (DESIGN.md,
/// "analysis"), on hand-built snapshots.
@Suite struct ChannelAnalysisTests {
  // MARK: Waits that end by themselves or can go through now

  @Test func aSendWithARunningReceiverIsNotStuck() {
    var process = SnapshotBuilder()
    let done = process.synchronizer(100, .channel, "done", users: [1, 2], references: 2)
    process.blocked(1, "main", on: .send, .resource(done))
    process.running(2, "receiver")
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func waitsThatCanGoThroughOrEndByThemselvesAreNeverStuck() {
    var process = SnapshotBuilder()
    let room = process.synchronizer(100, .channel, "room", capacity: 2, count: 1, users: [1])
    let queued = process.synchronizer(101, .channel, "queued", capacity: 2, count: 1, users: [2])
    let closed = process.synchronizer(102, .channel, "closed", closed: true, users: [3])
    let timer = process.synchronizer(103, .channel, "after(1s)", clockDriven: true, users: [4])
    let never = process.synchronizer(104, .channel, "never", users: [4, 5, 6])
    process.blocked(1, "sender", on: .send, .resource(room))
    process.blocked(2, "receiver", on: .receive, .resource(queued))
    process.blocked(3, "drainer", on: .receive, .resource(closed))
    process.selecting(4, "with-timeout", [receive(never), receive(timer)])
    process.selecting(5, "with-deadline", [receive(never)], deadline: process.now + 1_000_000_000)
    process.blocked(6, "sleeper", on: .sleep, .resource(0), deadline: process.now + 1_000_000_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked.isEmpty)
    #expect(analysis.deadlocks.isEmpty)
  }

  // MARK: Who may still use a channel

  @Test func aSelectWithNoCaseThatCanFireIsCertainlyStuckForever() throws {
    var process = SnapshotBuilder()
    process.running(1, "main")
    process.selecting(2, "idle", [])
    let analysis = process.analysis
    let finding = try #require(analysis.deadlocks.first)
    #expect(finding.kind == .stuckForever && finding.certainty == .certain)
    #expect(finding.otherMembers == [2])
    #expect(finding.reason.contains("no case that can fire"))
    #expect(TextReport.render(analysis).contains("select {} (forever)"))
  }

  // MARK: Directions

  /// Task 1 made a channel and ended; worker-a (2) is blocked on it in `operation`,
  /// worker-b (3) runs; `uses` says how each used it (nil: the source does not say).
  func workers(blockedIn operation: Wait.Kind, uses: [ChannelUse]?) -> Analysis {
    var process = SnapshotBuilder()
    let channel = process.synchronizer(100, .channel, "jobs", users: [1, 2, 3], references: 2)
    process.ended(1, "producer")
    process.blocked(2, "worker-a", on: operation, .resource(channel))
    process.running(3, "worker-b")
    var snapshot = process.snapshot
    snapshot.resources[0].uses = uses ?? []
    return Analysis(snapshot)
  }

  /// Workers handed `jobs` receive-only: when the producer has gone without closing it,
  /// a worker blocked on it is stuck, although another worker that also received from it
  /// still runs.
  @Test func aReceiverOthersHoldOnlyReceiveOnlyIsStuckForever() throws {
    let analysis = workers(blockedIn: .receive, uses: [[.bothWays, .hasSent], .mayReceive, .mayReceive])
    let finding = try #require(analysis.deadlocks.first)
    #expect(finding.kind == .stuckForever && finding.otherMembers == [2])
    #expect(finding.reason.contains("hold it receive-only"))
    // Likely: a worker may have dropped its view while a task that never used the
    // channel holds it through an object, and the two references would balance.
    #expect(finding.certainty == .likely)
    // The same process, with no word of how the workers used it: worker-b may send.
    #expect(workers(blockedIn: .receive, uses: nil).deadlocks.isEmpty)
  }

  @Test func aWorkerThatHoldsTheChannelItselfMayStillSend() {
    let analysis = workers(blockedIn: .receive, uses: [[.bothWays, .hasSent], .mayReceive, .bothWays])
    #expect(analysis.deadlocks.isEmpty)
    #expect(analysis.requirements[2]?.tasks == [3])
  }

  @Test func aSenderOthersHoldOnlySendOnlyIsStuckForever() throws {
    let analysis = workers(blockedIn: .send, uses: [.bothWays, [.maySend, .hasSent], [.maySend, .hasSent]])
    let finding = try #require(analysis.deadlocks.first)
    #expect(finding.otherMembers == [2])
    #expect(finding.reason.contains("hold it send-only"))
  }

  @Test func aLoneSenderIsAGlobalCertainDeadlock() {
    var process = SnapshotBuilder()
    let done = process.synchronizer(100, .channel, "done", users: [1], references: 1)
    process.blocked(1, "main", on: .send, .resource(done))
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1])
    #expect(analysis.isGlobal)
    let finding = analysis.deadlocks.first
    #expect(finding?.certainty == .certain)
    // Proven by its reference count before the process-wide rule is needed: that reason.
    #expect(
      finding?.reason.hasPrefix("nothing but the task blocked on channel \"done\" still refers to it") == true
    )
  }

  /// A channel made in an initializer or top-level code is held by a field or a global:
  /// its count says nothing of who can reach it, so a finding on it stays likely.
  @Test func aFindingOnAChannelReachableThroughAGlobalIsOnlyLikely() throws {
    var process = SnapshotBuilder()
    let answer = process.synchronizer(
      100, .channel, "answer", users: [1, 2], references: 1, madeIn: "Registry")
    process.ended(1, "main-worker")
    process.blocked(2, "child", on: .send, .resource(answer))
    process.running(3, "other")
    let finding = try #require(process.analysis.deadlocks.first)
    #expect(finding.kind == .stuckForever)
    #expect(finding.certainty == .likely)
  }

  @Test func aSenderLeftBehindByItsReceiverIsStuckForever() {
    // leaked-child: the parent's select timed out and it runs on; only the child, blocked
    // on the send, still holds a reference to the channel.
    var process = SnapshotBuilder()
    let answer = process.synchronizer(100, .channel, "answer", users: [1, 2], references: 1)
    process.running(1, "main")
    process.blocked(2, "child", on: .send, .resource(answer), parent: 1, createdAt: 2_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked == [2])
    #expect(!analysis.isGlobal)
    let finding = analysis.deadlocks.first
    #expect(finding?.kind == .stuckForever)
    #expect(finding?.certainty == .certain)
    #expect(finding?.otherMembers == [2])
    #expect(
      finding?.reason.contains("nothing but the task blocked on channel \"answer\" still refers to it")
        == true)
  }

  @Test func sendersLeftBehindTogetherAreOneStuckForeverFinding() {
    // The first answer won; only the two other senders' closures still refer to
    // `answers`. Neither can release the other: both need a receiver.
    var process = SnapshotBuilder()
    let answers = process.synchronizer(100, .channel, "answers", users: [1, 2, 3], references: 2)
    process.running(1, "main")
    process.blocked(2, "answer-1", on: .send, .resource(answers), parent: 1, createdAt: 2_000)
    process.blocked(3, "answer-2", on: .send, .resource(answers), parent: 1, createdAt: 2_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked == [2, 3])
    #expect(analysis.deadlocks.count == 1)
    #expect(analysis.deadlocks.first?.kind == .stuckForever)
    #expect(analysis.deadlocks.first?.otherMembers == [2, 3])
    let text = TextReport.render(analysis)
    #expect(text.contains("task 2 \"answer-1\" waits to send on channel \"answers\""))
    #expect(text.contains("task 3 \"answer-2\" waits to send on channel \"answers\""))
  }

  @Test func aSecondReferenceMeansSomebodyElseMayStillUseIt() {
    // main still holds `answer` (a local, a field of something it holds): the child may
    // yet be received from.
    var process = SnapshotBuilder()
    let answer = process.synchronizer(100, .channel, "answer", users: [1, 2], references: 2)
    process.running(1, "main")
    process.blocked(2, "child", on: .send, .resource(answer), parent: 1, createdAt: 2_000)
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func aSecondReferenceIsSomebodyElsesWhenTheWaiterMadeTheChannel() {
    // The waiter created the channel after it started: no closure of its captured it, so
    // the second reference is another holder's (an object's field, a global).
    var process = SnapshotBuilder()
    let stored = process.synchronizer(100, .channel, "stored", users: [2], references: 2, createdAt: 5_000)
    process.running(1, "main")
    process.blocked(2, "sender", on: .send, .resource(stored), parent: 1, createdAt: 2_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked.isEmpty)
    #expect(analysis.requirements[2]?.mode == .anyTask)
  }

  @Test(arguments: ["init()", "init(queue:)", "Server", "jobs", "main"])
  func aCountIsNotTrustedForAChannelAnObjectOrAGlobalMayHold(_ madeIn: String) {
    // Made in an initializer, a property's default or top-level code: probably a field or
    // a global, one reference however many tasks can reach it.
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(100, .channel, "jobs", users: [1, 2], references: 1, madeIn: madeIn)
    process.running(1, "main")
    process.blocked(2, "worker", on: .receive, .resource(jobs), parent: 1, createdAt: 2_000)
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func moreReferencesThanKnownUsersMeanAnyRunningTaskMayRelease() {
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(100, .channel, "jobs", users: [1], references: 3)
    process.blocked(1, "consumer", on: .receive, .resource(jobs))
    process.running(2, "unrelated")
    #expect(process.analysis.deadlocked.isEmpty)
    #expect(process.analysis.requirements[1]?.mode == .anyTask)
  }

  @Test func unmeasuredReferencesAlsoLeaveItToAnyRunningTask() {
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(100, .channel, "jobs", users: [1])
    process.blocked(1, "consumer", on: .receive, .resource(jobs))
    process.running(2, "unrelated")
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func anyTaskWaitsAreDeadlockedOnceNothingRuns() {
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(100, .channel, "jobs", users: [1])
    let other = process.synchronizer(101, .channel, "other", users: [2])
    process.blocked(1, "consumer", on: .receive, .resource(jobs))
    process.blocked(2, "other", on: .receive, .resource(other))
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(analysis.isGlobal)
    #expect(analysis.deadlocks.allSatisfy { $0.certainty == .certain })
  }

  @Test func aTaskSpawnedByAUserAfterTheChannelWasMadeMayHoldIt() {
    var process = SnapshotBuilder()
    let results = process.synchronizer(100, .channel, "results", users: [1], references: 2, createdAt: 5_000)
    process.blocked(1, "main", on: .receive, .resource(results))
    process.running(2, "worker", parent: 1, createdAt: 6_000)
    process.running(3, "heartbeat")
    #expect(process.analysis.deadlocked.isEmpty)
    #expect(process.analysis.requirements[1]?.mode == .any)
    #expect(process.analysis.requirements[1]?.tasks == [2])
  }

  @Test func aTaskSpawnedBeforeTheChannelExistedCannotHoldIt() {
    var process = SnapshotBuilder()
    let results = process.synchronizer(100, .channel, "results", users: [1], references: 1, createdAt: 5_000)
    process.blocked(1, "main", on: .receive, .resource(results))
    process.running(2, "older-worker", parent: 1, createdAt: 4_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1])
    #expect(analysis.deadlocks.first?.kind == .stuckForever)
  }

  @Test func aChannelManySpawnedTasksMayHaveCapturedIsLeftToAnyTask() {
    var process = SnapshotBuilder()
    let jobs = process.synchronizer(100, .channel, "jobs", users: [1], references: 200)
    process.blocked(1, "main", on: .receive, .resource(jobs))
    for worker in 2...101 { process.running(TaskID(worker), "worker-\(worker)", parent: 1, createdAt: 2_000) }
    let analysis = process.analysis
    #expect(analysis.deadlocked.isEmpty)
    #expect(analysis.requirements[1]?.mode == .anyTask)
    #expect(analysis.requirements[1]?.guess?.reasons.first?.why == .spawnedByManyTasks)
  }

  @Test func aLeakedSenderAmongManySiblingsIsStillFound() {
    var process = SnapshotBuilder()
    let answer = process.synchronizer(100, .channel, "answer", users: [1, 2], references: 1)
    process.running(1, "main")
    process.blocked(2, "lookup", on: .send, .resource(answer), parent: 1, createdAt: 2_000)
    for worker in 3...102 { process.running(TaskID(worker), "worker-\(worker)", parent: 1, createdAt: 3_000) }
    let analysis = process.analysis
    #expect(analysis.deadlocked == [2])
    #expect(analysis.deadlocks.first?.kind == .stuckForever)
  }

  // MARK: Select: any case will do

  @Test func aSelectWithOneLiveCaseIsNotStuck() {
    var process = SnapshotBuilder()
    let a = process.mutex(10, "A")
    let b = process.mutex(11, "B")
    let dead = process.synchronizer(100, .channel, "dead", users: [1, 5], references: 2)
    let live = process.synchronizer(101, .channel, "live", users: [5, 3], references: 2)
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.running(3, "producer")
    process.selecting(5, "selector", [receive(dead), receive(live)])
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(analysis.requirements[5]?.mode == .any)
    #expect(Set(analysis.requirements[5]?.tasks ?? []) == [1, 3])
  }

  @Test func aSelectWhoseEveryPartnerIsDeadlockedIsBlockedBehindTheCycle() {
    var process = SnapshotBuilder()
    let a = process.mutex(10, "A")
    let b = process.mutex(11, "B")
    let first = process.synchronizer(100, .channel, "first", users: [1, 5], references: 2)
    let second = process.synchronizer(101, .channel, "second", users: [2, 5], references: 2)
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.selecting(5, "selector", [receive(first), send(second)])
    process.running(6, "heartbeat")
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2, 5])
    let cycle = analysis.deadlocks.first { $0.kind == .cycle }
    #expect(Set(cycle?.cycleTasks ?? []) == [1, 2])
    #expect(cycle?.blockedBehind == [5])
  }

  // MARK: Chains through channels

  @Test func holdingAMutexWhileSendingToItsWaiterIsALikelyCycle() {
    // mutex-send: the handler holds `state` and sends on `updates`; the only receiver
    // first wants `state`.
    var process = SnapshotBuilder()
    let state = process.mutex(10, "state")
    let updates = process.synchronizer(100, .channel, "updates", users: [1, 2], references: 2)
    process.blocked(1, "handler", on: .send, .resource(updates), holds: [holding(state)])
    process.blocked(2, "listener", on: .mutex, .resource(state))
    process.running(3, "heartbeat")
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(!analysis.isGlobal)
    let cycle = analysis.deadlocks.first
    #expect(cycle?.kind == .cycle)
    #expect(Set(cycle?.cycleTasks ?? []) == [1, 2])
    #expect(cycle?.certainty == .likely)
    #expect(cycle?.reason.contains("channel \"updates\"") == true)
  }

  @Test func twoTasksReceivingFromEachOtherFormACycle() {
    var process = SnapshotBuilder()
    let pings = process.synchronizer(100, .channel, "pings", users: [1, 2], references: 2)
    let pongs = process.synchronizer(101, .channel, "pongs", users: [1, 2], references: 2)
    process.blocked(1, "ping", on: .receive, .resource(pongs))
    process.blocked(2, "pong", on: .receive, .resource(pings))
    process.running(3, "heartbeat")
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(Set(analysis.deadlocks.first?.cycleTasks ?? []) == [1, 2])
    #expect(analysis.deadlocks.first?.certainty == .likely)
  }

  // MARK: WaitGroup, Cond, semaphore

  @Test func aWaitGroupNeedsEveryMember() {
    var process = SnapshotBuilder()
    let a = process.mutex(10, "A")
    let b = process.mutex(11, "B")
    let workers = process.synchronizer(
      100, .waitGroup, "workers", count: 3, users: [1, 2, 3], listsMembers: true)
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.running(3, "three")
    process.blocked(4, "main", on: .waitGroup, .resource(workers))
    let analysis = process.analysis
    #expect(analysis.requirements[4] == Analysis.Requirement(mode: .all, tasks: [1, 2, 3]))
    #expect(analysis.deadlocked == [1, 2, 4])
    #expect(analysis.deadlocks.first?.blockedBehind == [4])
    #expect(analysis.deadlocks.first?.certainty == .certain)
  }

  @Test func aWaitGroupWhoseMembersRunOrEndedIsNotStuck() {
    var process = SnapshotBuilder()
    let workers = process.synchronizer(
      100, .waitGroup, "workers", count: 1, users: [1, 2], listsMembers: true)
    process.ended(1, "finished")
    process.running(2, "busy")
    process.blocked(3, "main", on: .waitGroup, .resource(workers))
    let zero = process.synchronizer(101, .waitGroup, "zero", users: [4])
    process.blocked(4, "late", on: .waitGroup, .resource(zero))
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func aWaitGroupMemberThatHasNotStartedYetIsNotMissing() {
    // `go` counts the member before its thread publishes itself: a moment with the
    // counter up and no live member is a snapshot taken mid-way.
    var process = SnapshotBuilder()
    let workers = process.synchronizer(100, .waitGroup, "workers", count: 1, users: [1], listsMembers: true)
    process.ended(1, "finished")
    process.blocked(2, "main", on: .waitGroup, .resource(workers))
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func aWaitGroupMissingADoneIsStuckWhenEveryOtherUserEnded() {
    // Work counted with `add`: who owes `done` is not known, so its users are the guess.
    var process = SnapshotBuilder()
    let workers = process.synchronizer(100, .waitGroup, "workers", count: 1, users: [1, 2, 3])
    process.ended(1, "worker-1")
    process.ended(2, "worker-2")
    process.blocked(3, "main", on: .waitGroup, .resource(workers))
    let analysis = process.analysis
    #expect(analysis.deadlocked == [3])
    #expect(analysis.isGlobal)
    #expect(analysis.deadlocks.first?.certainty == .certain)
  }

  @Test func aCondThatOnlyItsWaiterEverUsedIsStuckForever() {
    // Made in an initializer: its count is not trusted, and the users rule decides.
    var process = SnapshotBuilder()
    let nonEmpty = process.synchronizer(
      100, .cond, "nonEmpty", users: [1, 3], references: 2, madeIn: "init(capacity:)")
    process.ended(3, "setup")
    process.blocked(1, "consumer", on: .cond, .resource(nonEmpty), parent: 3, createdAt: 2_000)
    process.running(2, "heartbeat")
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1])
    #expect(analysis.deadlocks.first?.kind == .stuckForever)
    #expect(
      analysis.deadlocks.first?.reason.contains("no task that can still reach cond \"nonEmpty\" is running")
        == true)
  }

  @Test func aCondOnlyItsWaiterRefersToIsStuckEvenWhileItsMakerRuns() {
    // A lost wake-up: main made the Cond in a function that has returned; only the
    // waiter's closure still holds it.
    var process = SnapshotBuilder()
    let ready = process.synchronizer(100, .cond, "ready", users: [1, 2], references: 1)
    process.running(1, "main")
    process.blocked(2, "waiter", on: .cond, .resource(ready), parent: 1, createdAt: 2_000)
    let analysis = process.analysis
    #expect(analysis.deadlocked == [2])
    #expect(
      analysis.deadlocks.first?.reason.contains("nothing but the task blocked on cond \"ready\"") == true)
  }

  @Test func aCondSomeoneElseStillRefersToIsNotStuck() {
    var process = SnapshotBuilder()
    let ready = process.synchronizer(100, .cond, "ready", users: [1, 2], references: 2)
    process.running(1, "main")
    process.blocked(2, "waiter", on: .cond, .resource(ready), parent: 1, createdAt: 2_000)
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func aSemaphoreWaitNeedsAnyOneHolder() {
    var process = SnapshotBuilder()
    let a = process.mutex(10, "A")
    let b = process.mutex(11, "B")
    let permits = process.synchronizer(
      100, .semaphore, "permits", capacity: 2, count: 2, users: [1, 3], listsMembers: true)
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.running(3, "holder")
    process.blocked(4, "waiter", on: .semaphore, .resource(permits))
    #expect(process.analysis.deadlocked == [1, 2])

    var allStuck = SnapshotBuilder()
    allStuck.mutex(10, "A")
    allStuck.mutex(11, "B")
    allStuck.synchronizer(
      100, .semaphore, "permits", capacity: 2, count: 2, users: [1, 2], listsMembers: true)
    allStuck.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    allStuck.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    allStuck.blocked(4, "waiter", on: .semaphore, .resource(permits))
    allStuck.running(5, "heartbeat")
    let analysis = allStuck.analysis
    #expect(analysis.deadlocked == [1, 2, 4])
    #expect(analysis.deadlocks.first?.blockedBehind == [4])
  }
}
