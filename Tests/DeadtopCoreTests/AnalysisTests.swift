import DeadtopCore
import Testing

@Suite struct AnalysisTests {
  @Test func abbaIsACertainCycleOfTwo() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(analysis.deadlocks.count == 1)
    let deadlock = analysis.deadlocks[0]
    #expect(deadlock.kind == .cycle)
    #expect(deadlock.certainty == .certain)
    #expect(deadlock.cycleTasks == [1, 2])
    #expect(Set(analysis.resources(of: deadlock)) == [a, b])
    #expect(analysis.isGlobal)
  }

  @Test func aCycleBesideARunningTaskIsPartial() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.running(3, "server")
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2])
    #expect(!analysis.isGlobal)
  }

  @Test func lockingAHeldMutexAgainIsASelfCycle() {
    var process = SnapshotBuilder()
    let cache = process.mutex(100, "cache")
    process.blocked(1, "refresher", on: .mutex, .resource(cache), holds: [holding(cache)])
    let analysis = process.analysis
    #expect(analysis.deadlocks.map(\.cycleTasks) == [[1]])
  }

  @Test func waitingOnARunningHolderIsNotADeadlock() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    process.running(1, "holder", holds: [holding(a)])
    process.blocked(2, "waiter", on: .mutex, .resource(a), holds: [holding(b)])
    process.blocked(3, "second", on: .mutex, .resource(b))
    let analysis = process.analysis
    #expect(analysis.deadlocked.isEmpty)
    #expect(analysis.deadlocks.isEmpty)
  }

  @Test func tasksWaitingOnACycleAreBlockedBehindIt() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    let c = process.mutex(102, "C")
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    process.blocked(3, "three", on: .mutex, .resource(a), holds: [holding(c)])
    process.blocked(4, "four", on: .mutex, .resource(c))
    process.blocked(5, "main", on: .join, .task(4))
    let analysis = process.analysis
    #expect(analysis.deadlocked == [1, 2, 3, 4, 5])
    #expect(analysis.deadlocks.count == 1)
    #expect(analysis.deadlocks[0].cycleTasks == [1, 2])
    #expect(Set(analysis.deadlocks[0].blockedBehind) == [3, 4, 5])
  }

  @Test func readWriteReadIsACycleThroughTheQueuedWriter() {
    var process = SnapshotBuilder()
    let registry = process.rwMutex(100, "registry")
    process.blocked(
      2, "updater", on: .writeLock, .resource(registry), sequence: 1)
    process.blocked(
      1, "lookup", on: .readLock, .resource(registry), holds: [holding(registry, .shared)],
      sequence: 2)
    let analysis = process.analysis
    #expect(analysis.deadlocks.count == 1)
    #expect(Set(analysis.deadlocks[0].cycleTasks) == [1, 2])
    #expect(analysis.edge(from: 1, to: 2) == .queuedWriter(registry))
    #expect(analysis.edge(from: 2, to: 1) == .holds(holding(registry, .shared)))
  }

  @Test func aReaderWaitsOnlyForTheFirstQueuedWriter() {
    var process = SnapshotBuilder()
    let lock = process.rwMutex(100, "lock")
    process.running(1, "reader", holds: [holding(lock, .shared)])
    process.blocked(2, "writer-1", on: .writeLock, .resource(lock), sequence: 1)
    process.blocked(3, "writer-2", on: .writeLock, .resource(lock), sequence: 2)
    process.blocked(4, "late-reader", on: .readLock, .resource(lock), sequence: 3)
    let analysis = process.analysis
    // Go admits readers queued behind a writer as soon as that writer unlocks.
    #expect(analysis.requirements[4]?.tasks == [2])
    // A writer waits for the readers and for the writers queued before it.
    #expect(analysis.requirements[3]?.tasks == [1, 2])
    #expect(analysis.requirements[2]?.tasks == [1])
    #expect(analysis.deadlocked.isEmpty)
  }

  @Test func readThenWriteOnOneRWMutexIsASelfCycle() {
    var process = SnapshotBuilder()
    let config = process.rwMutex(100, "config")
    process.blocked(1, "reloader", on: .writeLock, .resource(config), holds: [holding(config, .shared)])
    #expect(process.analysis.deadlocks.map(\.cycleTasks) == [[1]])
  }

  @Test func aWriterWaitsForEveryReader() {
    var process = SnapshotBuilder()
    let lock = process.rwMutex(100, "lock")
    process.running(1, "reader-1", holds: [holding(lock, .shared)])
    process.running(2, "reader-2", holds: [holding(lock, .shared)])
    process.blocked(3, "writer", on: .writeLock, .resource(lock))
    let analysis = process.analysis
    #expect(analysis.requirements[3] == Analysis.Requirement(mode: .all, tasks: [1, 2]))
    #expect(analysis.deadlocked.isEmpty)
  }

  @Test func fivePhilosophersFormOneCycleOfFive() {
    var process = SnapshotBuilder()
    let forks = (0..<5).map { process.mutex(UInt64(100 + $0), "fork-\($0)") }
    for seat in 0..<5 {
      process.blocked(
        UInt64(seat + 1), "philosopher-\(seat)", on: .mutex, .resource(forks[(seat + 1) % 5]),
        holds: [holding(forks[seat])])
    }
    let analysis = process.analysis
    #expect(analysis.deadlocks.count == 1)
    #expect(analysis.deadlocks[0].cycleTasks == [1, 2, 3, 4, 5])
    #expect(analysis.deadlocks[0].otherMembers.isEmpty)
  }

  @Test func aLargerComponentDrawsOneCycleAndListsTheRest() {
    // 2 waits for the write lock that readers 1 and 3 hold; 1 and 3 wait for locks 2
    // holds: one component of three, whose shortest cycle through 1 is 1 -> 2 -> 1.
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    let shared = process.rwMutex(102, "S")
    process.blocked(1, "one", on: .mutex, .resource(a), holds: [holding(shared, .shared)])
    process.blocked(2, "two", on: .writeLock, .resource(shared), holds: [holding(a), holding(b)])
    process.blocked(3, "three", on: .mutex, .resource(b), holds: [holding(shared, .shared)])
    let analysis = process.analysis
    #expect(analysis.deadlocks.count == 1)
    let deadlock = analysis.deadlocks[0]
    #expect(deadlock.cycleTasks == [1, 2])
    #expect(deadlock.otherMembers == [3])
  }

  @Test func aLockHeldByAnEndedTaskIsNeverReleased() {
    var process = SnapshotBuilder()
    let session = process.mutex(100, "session")
    process.ended(1, "leaker", holds: [holding(session)])
    process.blocked(2, "user", on: .mutex, .resource(session))
    process.blocked(3, "main", on: .join, .task(2))
    let analysis = process.analysis
    #expect(analysis.deadlocks.count == 1)
    let deadlock = analysis.deadlocks[0]
    #expect(deadlock.kind == .heldByEndedTask)
    #expect(deadlock.endedHolders == [1])
    #expect(deadlock.otherMembers == [2])
    #expect(deadlock.blockedBehind == [3])
  }

  @Test func joiningAnEndedOrUnknownTaskCanProgress() {
    var process = SnapshotBuilder()
    process.ended(1, "worker")
    process.blocked(2, "main", on: .join, .task(1))
    process.blocked(3, "other", on: .join, .task(99))
    #expect(process.analysis.deadlocked.isEmpty)
  }

  @Test func aLongChainIntoACycleNeedsNoDeepRecursion() {
    var process = SnapshotBuilder()
    let count = 10_000
    for index in 0..<count { process.mutex(UInt64(100_000 + index), "m\(index)") }
    // Task i holds m(i) and waits for m(i+1); the last waits for m(count-2): a cycle at the end.
    for index in 0..<count {
      let next = index == count - 1 ? count - 2 : index + 1
      process.blocked(
        UInt64(index + 1), "t\(index)", on: .mutex, .resource(UInt64(100_000 + next)),
        holds: [holding(UInt64(100_000 + index))])
    }
    let analysis = process.analysis
    #expect(analysis.deadlocked.count == count)
    #expect(analysis.deadlocks.count == 1)
    #expect(Set(analysis.deadlocks[0].cycleTasks) == [UInt64(count - 1), UInt64(count)])
    #expect(analysis.deadlocks[0].blockedBehind.count == count - 2)
  }

  @Test func confirmationDropsFindingsWhoseWaitsChanged() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)], sequence: 10)
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)], sequence: 11)

    var steady = DeadlockConfirmation()
    let first = steady.analyse(process.snapshot)
    #expect(first.analysis.deadlocks.isEmpty, "one snapshot confirms nothing")
    #expect(first.unconfirmed == 1)
    let second = steady.analyse(process.snapshot)
    #expect(second.analysis.deadlocks.count == 1)
    #expect(second.unconfirmed == 0)

    var torn = SnapshotBuilder()
    torn.mutex(100, "A")
    torn.mutex(101, "B")
    torn.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)], sequence: 10)
    torn.running(2, "two", holds: [holding(b)])
    var changing = DeadlockConfirmation()
    _ = changing.analyse(torn.snapshot)
    let confirmed = changing.analyse(process.snapshot).analysis
    #expect(confirmed.deadlocks.isEmpty)
    #expect(confirmed.deadlocked.isEmpty)
  }

  @Test func confirmationAnnouncesEachFindingOnce() {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "A")
    let b = process.mutex(101, "B")
    process.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)], sequence: 10)
    process.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)], sequence: 11)
    var confirmation = DeadlockConfirmation()
    _ = confirmation.analyse(process.snapshot)
    let analysis = confirmation.analyse(process.snapshot).analysis
    #expect(confirmation.unannounced(in: analysis).count == 1)
    #expect(confirmation.unannounced(in: confirmation.analyse(process.snapshot).analysis).isEmpty)

    // The same tasks in new wait episodes are a new deadlock.
    var again = SnapshotBuilder()
    again.mutex(100, "A")
    again.mutex(101, "B")
    again.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)], sequence: 20)
    again.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)], sequence: 21)
    _ = confirmation.analyse(again.snapshot)
    #expect(confirmation.unannounced(in: confirmation.analyse(again.snapshot).analysis).count == 1)
  }

  @Test func readingOnceTakesASecondSnapshotOnlyToConfirm() {
    var healthy = SnapshotBuilder()
    healthy.running(1, "main")
    var reads = 0
    var pauses = 0
    let clean = DeadlockConfirmation.analyse(
      reading: {
        reads += 1
        return healthy.snapshot
      }, pause: { pauses += 1 })
    #expect(clean.deadlocks.isEmpty)
    #expect(reads == 1 && pauses == 0)

    var stuck = SnapshotBuilder()
    let a = stuck.mutex(100, "A")
    stuck.blocked(1, "one", on: .mutex, .resource(a), holds: [holding(a)], sequence: 3)
    let found = DeadlockConfirmation.analyse(
      reading: {
        reads += 1
        return stuck.snapshot
      }, pause: { pauses += 1 })
    #expect(found.deadlocks.count == 1)
    #expect(reads == 3 && pauses == 1)
  }
}
