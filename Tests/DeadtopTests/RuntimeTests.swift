import Deadtop
import DeadtopABI
import DeadtopCore
import DeadtopReader
import DeadtopRuntimeC
import Foundation
import Synchronization
import Testing

/// The runtime observed the way deadtop observes it: through this process's own segment.
/// Tests run in parallel in one process, so each looks only at its own tasks and locks.
@Suite struct RuntimeTests: WatchesOwnSegment {
  let reader: SegmentSource

  init() throws { reader = try openOwnSegment() }

  @Test func theSegmentIsPrivateToItsOwner() throws {
    var status = stat()
    #expect(stat(SegmentSource.path(for: getpid()), &status) == 0)
    #expect(status.st_mode & 0o777 == 0o600)
  }

  @Test func aHeldMutexShowsItsHolderAndCallSite() throws {
    let ledger = Mutex(name: "ledger")
    let line = UInt32(#line + 1)
    ledger.lock()
    defer { ledger.unlock() }
    let snapshot = try reader.snapshot()
    let me = try #require(snapshot.tasks.first { $0.osThreadID == dt_gettid() && $0.state != .ended })
    let hold = try #require(me.holds.first { $0.resource == ledger.id })
    #expect(hold.mode == .exclusive)
    #expect(hold.site?.file == "DeadtopTests/RuntimeTests.swift")
    #expect(hold.site?.line == line)
    #expect(hold.site?.function.hasPrefix("aHeldMutexShowsItsHolderAndCallSite") == true)
    #expect(snapshot.resource(ledger.id)?.name == "ledger")
    #expect(snapshot.resource(ledger.id)?.kind == .mutex)
  }

  @Test func unlockingRemovesTheHold() throws {
    let lock = Mutex(name: "short")
    lock.withLock {}
    let snapshot = try reader.snapshot()
    #expect(!snapshot.tasks.contains { $0.holds.contains { $0.resource == lock.id } })
  }

  @Test func tryLockFailsWhileAnotherTaskHoldsTheMutex() throws {
    let lock = Mutex(name: "contested")
    let held = Atomic<Bool>(false)
    let release = Atomic<Bool>(false)
    let holder = spawn("holder") {
      lock.lock()
      held.store(true, ordering: .sequentiallyConsistent)
      while !release.load(ordering: .sequentiallyConsistent) { usleep(1000) }
      lock.unlock()
    }
    while !held.load(ordering: .sequentiallyConsistent) { usleep(1000) }
    #expect(!lock.tryLock())
    release.store(true, ordering: .sequentiallyConsistent)
    holder.join()
    #expect(lock.tryLock())
    lock.unlock()
  }

  @Test func aBlockedTaskShowsWhatItWaitsForAndWhoHoldsIt() throws {
    let lock = Mutex(name: "busy")
    lock.lock()
    let waiter = spawn("waiter") { lock.withLock {} }
    let analysis = try eventually("the waiter blocks") { analysis in
      analysis.snapshot.task(waiter.id)?.state == .blocked
    }
    let task = try #require(analysis.snapshot.task(waiter.id))
    #expect(task.wait?.kind == .mutex)
    #expect(task.wait?.target == .resource(lock.id))
    #expect(task.wait?.site?.file == "DeadtopTests/RuntimeTests.swift")
    #expect(analysis.waiters[lock.id] == [waiter.id])
    #expect(!analysis.deadlocked.contains(waiter.id))  // the holder (this task) runs
    lock.unlock()
    waiter.join()
    let after = try reader.snapshot()
    #expect(after.task(waiter.id)?.state == .ended)
    #expect((after.counters.contended) >= 1)
  }

  @Test func lockingAMutexTwiceIsAReportedSelfDeadlock() throws {
    let cache = Mutex(name: "reentered")
    let stuck = spawn("reenterer") {
      cache.lock()
      cache.lock()  // blocks forever, as in Go
    }
    let analysis = try eventually("the self-deadlock is found") { analysis in
      analysis.deadlocks.contains { $0.cycleTasks == [stuck.id] }
    }
    #expect(analysis.deadlocked.contains(stuck.id))
    #expect(analysis.edge(from: stuck.id, to: stuck.id)?.resource == cache.id)
  }

  @Test func rwMutexIsWriterPreferring() throws {
    let table = RWMutex(name: "table")
    let readerHolds = Atomic<Bool>(false)
    let releaseReader = Atomic<Bool>(false)
    let order = Mutex(name: "order-log")
    let log = Log()
    let firstReader = spawn("first-reader") {
      table.readLock()
      readerHolds.store(true, ordering: .sequentiallyConsistent)
      while !releaseReader.load(ordering: .sequentiallyConsistent) { usleep(1000) }
      table.readUnlock()
    }
    while !readerHolds.load(ordering: .sequentiallyConsistent) { usleep(1000) }
    let writer = spawn("writer") {
      table.withLock { order.withLock { log.append("writer") } }
    }
    _ = try eventually("the writer queues") { $0.snapshot.task(writer.id)?.state == .blocked }
    // A queued writer blocks new readers.
    #expect(!table.tryReadLock())
    let lateReader = spawn("late-reader") {
      table.withReadLock { order.withLock { log.append("late-reader") } }
    }
    let analysis = try eventually("the late reader queues") {
      $0.snapshot.task(lateReader.id)?.state == .blocked
    }
    #expect(analysis.requirements[lateReader.id]?.tasks == [writer.id])
    #expect(analysis.requirements[writer.id]?.tasks == [firstReader.id])
    #expect(analysis.deadlocked.isDisjoint(with: [firstReader.id, writer.id, lateReader.id]))
    releaseReader.store(true, ordering: .sequentiallyConsistent)
    firstReader.join()
    writer.join()
    lateReader.join()
    #expect(log.entries == ["writer", "late-reader"])
  }

  @Test func readThenWriteLockIsAReportedSelfDeadlock() throws {
    let config = RWMutex(name: "upgrade")
    let stuck = spawn("upgrader") {
      config.readLock()
      config.lock()
    }
    let analysis = try eventually("the upgrade deadlock is found") { analysis in
      analysis.deadlocks.contains { $0.cycleTasks == [stuck.id] }
    }
    #expect(analysis.snapshot.task(stuck.id)?.wait?.kind == .writeLock)
  }

  @Test func spawnedTasksCarryNameParentAndEnd() throws {
    let child = spawn("named-child") {}
    child.join()
    child.join()  // joining twice is fine
    let snapshot = try reader.snapshot()
    let task = try #require(snapshot.task(child.id))
    #expect(task.name == "named-child")
    #expect(task.state == .ended)
    #expect(task.spawnSite?.file == "DeadtopTests/RuntimeTests.swift")
    #expect(task.parent != nil)
  }

  @Test func aForeignThreadIsRegisteredWithItsThreadName() throws {
    let lock = Mutex(name: "foreign")
    let done = Atomic<Bool>(false)
    let thread = Thread {
      dt_set_thread_name("foreign-thread")  // pthread_setname_np, as any thread library would
      lock.withLock {}
      done.store(true, ordering: .sequentiallyConsistent)
    }
    thread.start()
    while !done.load(ordering: .sequentiallyConsistent) { usleep(1000) }
    let snapshot = try reader.snapshot()
    #expect(snapshot.tasks.contains { $0.name == "foreign-thread" })
  }

  @Test func endedTaskSlotsAreReusedSoTheTableNeverFills() throws {
    // More tasks than the default table has slots, one after another.
    for index in 0..<1100 { spawn("short-\(index)") {}.join() }
    let snapshot = try reader.snapshot()
    #expect(snapshot.counters.tasksDropped == 0)
    #expect(snapshot.counters.tasksCreated >= 1100)
  }

  @Test func aReaderRacingTheWriterOnlySeesConsistentSlots() throws {
    let first = Mutex(name: "race-first")
    let second = Mutex(name: "race-second")
    let stop = Atomic<Bool>(false)
    let hammer = spawn("hammer") {
      while !stop.load(ordering: .relaxed) {
        first.lock()
        second.lock()
        second.unlock()
        first.unlock()
      }
    }
    for _ in 0..<1500 {
      let snapshot = try reader.snapshot()
      guard let task = snapshot.task(hammer.id) else { continue }
      let held = task.holds.map(\.resource)
      // The holds list is always a prefix of the acquisition order.
      #expect(held == [] || held == [first.id] || held == [first.id, second.id], "torn: \(held)")
    }
    stop.store(true, ordering: .relaxed)
    hammer.join()
  }
}

/// An append-only log guarded by a Deadtop mutex the test holds while appending.
final class Log: @unchecked Sendable {
  private(set) var entries: [String] = []
  func append(_ entry: String) { entries.append(entry) }
}

@Suite struct LockOrderRuntimeTests {
  @Test func nestedAcquisitionsRecordOrdersAndTryLockDoesNot() throws {
    let first = Mutex(name: "order-first")
    let second = Mutex(name: "order-second")
    let third = Mutex(name: "order-third")
    let line = UInt32(#line + 3)
    spawn("orderer") {
      first.withLock {
        second.withLock {}
        if third.tryLock() { third.unlock() }
      }
    }.join()
    let snapshot = try SegmentSource(pid: getpid()).snapshot()
    let edges = snapshot.lockOrder.filter { $0.from.label == "mutex \"order-first\"" }
    #expect(edges.map(\.to.label) == ["mutex \"order-second\""])
    #expect(edges.first?.toSite?.line == line)
    #expect(edges.first?.toSite?.file == "DeadtopTests/RuntimeTests.swift")
  }

  @Test func oppositeOrdersAreAPotentialDeadlock() throws {
    let x = Mutex(name: "order-x")
    let y = Mutex(name: "order-y")
    spawn("x-then-y") { x.withLock { y.withLock {} } }.join()
    spawn("y-then-x") { y.withLock { x.withLock {} } }.join()
    let analysis = Analysis(try SegmentSource(pid: getpid()).snapshot())
    let cycle = analysis.potentialDeadlocks.first {
      Set($0.classes.map(\.label)) == ["mutex \"order-x\"", "mutex \"order-y\""]
    }
    #expect(cycle != nil)
    #expect(cycle?.edges.count == 2)
  }

  /// A once is a lock for prediction: its body locks the registry mutex, and a later
  /// caller calls `do` holding that mutex. Had that caller come first, it would have run
  /// the body holding the mutex and deadlocked on itself; coming while another task ran
  /// the body, it would deadlock with it.
  @Test func aOnceWhoseBodyTakesALockItsCallersHoldIsPredicted() throws {
    let registry = Mutex(name: "once-registry")
    let setup = Once(name: "once-setup")
    spawn("first-caller") { setup.do { registry.withLock {} } }.join()
    spawn("holding-caller") { registry.withLock { setup.do { registry.withLock {} } } }.join()
    let analysis = Analysis(try SegmentSource(pid: getpid()).snapshot())
    let cycle = analysis.potentialDeadlocks.first {
      Set($0.classes.map(\.label)) == ["once \"once-setup\"", "mutex \"once-registry\""]
    }
    #expect(cycle?.kind == .lockOrder)
    #expect(cycle?.happening == nil)
    #expect(cycle?.edges.count == 2)
  }

  @Test func aOnceCalledUnderALockItsBodyDoesNotTakeIsNoPrediction() throws {
    let registry = Mutex(name: "once-unrelated-registry")
    let setup = Once(name: "once-unrelated-setup")
    spawn("unrelated-caller") { registry.withLock { setup.do {} } }.join()
    spawn("unrelated-later") { registry.withLock { setup.do {} } }.join()
    let analysis = Analysis(try SegmentSource(pid: getpid()).snapshot())
    #expect(
      !analysis.potentialDeadlocks.contains {
        $0.classes.contains { $0.label == "once \"once-unrelated-setup\"" }
      })
  }

  /// The read-write-read deadlock predicted in a run where it did not happen: a task
  /// re-takes a read lock it holds while no writer waits, and another task write-locks
  /// the RWMutex later, holding nothing else.
  @Test func aRetakenReadLockIsPredictedOnceAWriterExists() throws {
    let config = RWMutex(name: "rwr-config")
    spawn("rwr-reader") {
      config.readLock()
      config.readLock()  // no writer waits now: it goes through
      config.readUnlock()
      config.readUnlock()
    }.join()
    func predicted() throws -> PotentialDeadlock? {
      Analysis(try SegmentSource(pid: getpid()).snapshot()).potentialDeadlocks.first {
        $0.kind == .readWriteRead && $0.classes.map(\.label) == ["rwmutex \"rwr-config\""]
      }
    }
    #expect(try predicted() == nil)  // no task write-locks it yet
    spawn("rwr-writer") { config.withLock {} }.join()
    let potential = try #require(try predicted())
    #expect(potential.edges.first?.fromSite?.file == "DeadtopTests/RuntimeTests.swift")
    #expect(potential.edges.first?.toSite?.line == (potential.edges.first?.fromSite?.line ?? 0) + 1)
  }
}

@Suite struct SamplerAndEventTests {
  @Test func theSamplerRecordsKnownActivity() throws {
    let lock = Mutex(name: "sampled")  // the first use starts the runtime and its sampler
    let reader = try SegmentSource(pid: getpid())
    let before = try reader.snapshot().schedtrace.last?.timeNanoseconds ?? 0
    spawn("worker-1000") { for _ in 0..<1000 { lock.withLock {} } }.join()
    let deadline = Date().addingTimeInterval(15)
    var records: [SchedRecord] = []
    repeat {
      usleep(100_000)
      records = try reader.snapshot().schedtrace.filter { $0.timeNanoseconds > before }
    } while records.reduce(0, { $0 + $1.acquisitions }) < 1000 && Date() < deadline
    #expect(records.reduce(0, { $0 + $1.acquisitions }) >= 1000)
    #expect(try reader.snapshot().heartbeat > 0)
    #expect(records.allSatisfy { $0.line.hasPrefix("SCHED ") && $0.intervalNanoseconds > 0 })
  }

  @Test func aContendedAcquisitionLeavesEventsAndAProfile() throws {
    let lock = Mutex(name: "profiled")
    lock.lock()
    let waiter = spawn("profiled-waiter") { lock.withLock {} }
    let reader = try SegmentSource(pid: getpid())
    let deadline = Date().addingTimeInterval(10)
    while try reader.snapshot().task(waiter.id)?.state != .blocked && Date() < deadline { usleep(2000) }
    usleep(20_000)
    lock.unlock()
    waiter.join()
    let snapshot = try reader.snapshot()
    let mine = snapshot.events.filter { $0.target == lock.id }
    #expect(mine.contains { $0.kind == .block && $0.task == waiter.id && $0.waitKind == .mutex })
    #expect(
      mine.contains { $0.kind == .wake && $0.task == waiter.id && $0.durationNanoseconds >= 10_000_000 })
    #expect(mine.contains { $0.kind == .handoff })
    let contention = try #require(snapshot.resource(lock.id)?.contention)
    #expect(contention.contended == 1)
    #expect(contention.totalWaitNanoseconds >= 10_000_000)
    #expect(contention.maxWaitNanoseconds == contention.totalWaitNanoseconds)
    #expect(snapshot.siteContention.contains { $0.site.file == "DeadtopTests/RuntimeTests.swift" })
  }

  /// A parked wait writes its block event as it goes to sleep (stamped with the wait's
  /// start) and its wake event when it ends; a select's wake names the case that fired.
  @Test func aWaitThatSleepsLeavesItsBlockAndWakeEvents() throws {
    let quiet = Channel<Int>(name: "quiet")
    let chosen = Channel<Int>(name: "chosen")
    let other = Channel<Int>(name: "other")
    let reader = try SegmentSource(pid: getpid())
    let receiver = spawn("sleepy-receiver") { _ = quiet.receive() }
    let selector = spawn("sleepy-selector") {
      select(.receive(other) { _ in }, .receive(chosen) { _ in })
    }
    let deadline = Date().addingTimeInterval(10)
    func blocked(_ task: TaskHandle) throws -> Bool { try reader.snapshot().task(task.id)?.state == .blocked }
    while try !(blocked(receiver) && blocked(selector)) && Date() < deadline { usleep(2000) }
    usleep(30_000)  // past any spin: both sleep
    // Read each event soon after it is written: tests running beside this one write to
    // the same ring, which keeps only the latest events.
    let blocks = try reader.snapshot().events
    quiet.send(1)
    chosen.send(2)
    receiver.join()
    selector.join()
    let events = blocks + (try reader.snapshot().events)
    let receiverBlock = try #require(events.first { $0.kind == .block && $0.task == receiver.id })
    #expect(receiverBlock.target == quiet.id && receiverBlock.waitKind == .receive)
    #expect(
      events.contains {
        $0.kind == .wake && $0.task == receiver.id && $0.target == quiet.id
          && $0.durationNanoseconds >= 20_000_000
      })
    #expect(events.contains { $0.kind == .block && $0.task == selector.id && $0.waitKind == .select })
    #expect(events.contains { $0.kind == .wake && $0.task == selector.id && $0.target == chosen.id })
  }
}
