import Deadtop
import DeadtopCore
import DeadtopReader
import DeadtopRuntimeC
import Foundation
import Synchronization
import Testing

/// The parts of Go's API that porting real code needed: sync.Once, time.AfterFunc, a
/// Cond over any Locker, nil channels in select, and atomic counters deadtop shows.
@Suite struct GoAPIRuntimeTests: WatchesOwnSegment {
  let reader: SegmentSource

  init() throws { reader = try openOwnSegment() }

  @Test func onceRunsItsBodyOnceAndCallersWaitForIt() throws {
    let once = Once(name: "config-load")
    let runs = Atomic<Int>(0)
    let release = Channel<Void>(capacity: 1, name: "release-body")
    let first = spawn("first-caller") {
      once.do {
        runs.add(1, ordering: .relaxed)
        _ = release.receive()
      }
    }
    // The late callers come once the first runs the body (else one of them might run it).
    _ = try eventually("the first caller runs the body") { $0.holders[once.id]?.map(\.task) == [first.id] }
    let callers = (0..<4).map { index in
      spawn("late-caller-\(index)") { once.do { runs.add(1, ordering: .relaxed) } }
    }
    // While the body runs, its task holds the once and the late callers wait for it.
    let analysis = try eventually("the late callers wait for the once") { analysis in
      callers.allSatisfy { analysis.snapshot.task($0.id)?.wait?.kind == .once }
    }
    #expect(analysis.holders[once.id]?.map(\.task) == [first.id])
    #expect(analysis.snapshot.resource(once.id)?.kind == .once)
    for caller in callers {
      #expect(analysis.requirements[caller.id]?.tasks == [first.id])
      #expect(!analysis.deadlocked.contains(caller.id))
    }
    #expect(!once.hasRun)
    release.send(())
    first.join()
    for caller in callers { caller.join() }
    #expect(runs.load(ordering: .relaxed) == 1)
    #expect(once.hasRun)
    #expect(try reader.snapshot().task(first.id)?.holds.isEmpty == true)
  }

  @Test func aOnceWhoseBodyCallsItselfIsASelfDeadlock() throws {
    let once = Once(name: "reentrant-init")
    let stuck = spawn("reentrant-initializer") {
      once.do { once.do {} }  // waits for itself forever, as in Go
    }
    let analysis = try eventually("the self-deadlock is found") { analysis in
      analysis.deadlocks.contains { $0.cycleTasks == [stuck.id] }
    }
    #expect(analysis.edge(from: stuck.id, to: stuck.id)?.resource == once.id)
  }

  @Test func aThrowingBodyCountsAsRun() {
    struct Failure: Error {}
    let once = Once()
    #expect(throws: Failure.self) { try once.do { throw Failure() } }
    var ranAgain = false
    once.do { ranAgain = true }
    #expect(!ranAgain)
  }

  @Test func anAtomicCounterIsShownWithItsValue() throws {
    let inflight = AtomicCounter(name: "inflight")
    #expect(inflight.add(5) == 5)
    #expect(inflight.add(-7) == -2)
    #expect(inflight.swap(10) == -2)
    #expect(!inflight.compareAndSwap(old: 3, new: 4))
    #expect(inflight.compareAndSwap(old: 10, new: 42))
    #expect(inflight.load() == 42)
    let workers = (0..<4).map { index in
      spawn("adder-\(index)") { for _ in 0..<10_000 { inflight.add(1) } }
    }
    for worker in workers { worker.join() }
    #expect(inflight.load() == 40_042)
    inflight.store(-3)
    let shown = try #require(try reader.snapshot().resource(inflight.id))
    #expect(shown.kind == .atomic)
    #expect(shown.count == -3)
    #expect(shown.name == "inflight")
    #expect(try reader.snapshot().describeState(of: shown) == "value -3")
  }

  @Test func afterFuncRunsItsBodyInATaskOfItsOwn() throws {
    let done = Channel<UInt64>(capacity: 1, name: "after-func-done")
    afterFunc(0.01, name: "delayed-close") { done.send(1) }
    let snapshot = try reader.snapshot()
    let me = try #require(snapshot.tasks.first { $0.osThreadID == dt_gettid() && $0.state != .ended })
    #expect(done.receive() == 1)
    let ran = try eventually("the body's task is listed") { analysis in
      analysis.snapshot.tasks.contains { $0.name == "delayed-close" }
    }
    let task = try #require(ran.snapshot.tasks.last { $0.name == "delayed-close" })
    #expect(task.parent == me.id)
  }

  @Test func aStoppedAfterFuncNeverRunsAndResetRunsItAgain() throws {
    let runs = Atomic<Int>(0)
    let stopped = afterFunc(0.05) { runs.add(100, ordering: .relaxed) }
    #expect(stopped.stop())
    #expect(!stopped.stop())
    let fired = Channel<Void>(capacity: 2, name: "reset-fired")
    let timer = afterFunc(0.01) {
      runs.add(1, ordering: .relaxed)
      fired.send(())
    }
    _ = fired.receive()
    #expect(!timer.reset(after: 0.01))  // it had fired: false, and it is armed again
    _ = fired.receive()
    usleep(80_000)  // past the stopped timer's deadline
    #expect(runs.load(ordering: .relaxed) == 2)
  }

  @Test func aCondWaitsOverAReadLocker() throws {
    let table = RWMutex(name: "cond-table")
    let ready = Cond(table.readLocker, name: "table-ready")
    let flag = Atomic<Bool>(false)
    let waiter = spawn("read-waiter") {
      table.readLock()
      while !flag.load(ordering: .acquiring) { ready.wait() }
      table.readUnlock()
    }
    _ = try eventually("the waiter waits on the cond") { analysis in
      analysis.snapshot.task(waiter.id)?.wait?.kind == .cond
    }
    // Waiting released the read lock: a writer gets in.
    table.lock()
    flag.store(true, ordering: .releasing)
    table.unlock()
    ready.broadcast()
    waiter.join()
    #expect(waiter.isFinished)
  }

  @Test func aNilChannelCaseNeverFires() {
    let ready = Channel<Int>(capacity: 1, name: "ready-case")
    let off: Channel<Int>? = nil
    ready.send(7)
    var got: Int?
    select(.receive(off) { _ in Issue.record("a nil channel fired") }, .receive(ready) { got = $0 })
    #expect(got == 7)
    var tookDefault = false
    select(.receive(off) { _ in }, .send(off, 1), default: { tookDefault = true })
    #expect(tookDefault)
  }

  @Test func aSelectOnlyOnNilChannelsBlocksForever() throws {
    let stuck = spawn("nil-select") {
      let none: Channel<Int>? = nil
      select(.receive(none) { _ in })
    }
    let analysis = try eventually("the select is stuck forever") { analysis in
      analysis.deadlocked.contains(stuck.id)
    }
    #expect(analysis.snapshot.task(stuck.id)?.wait?.kind == .select)
  }
}

/// Go lets one task unlock what another locked; deadtop then shows the lock free, or held
/// by whoever takes it next, never by the task that locked it.
@Suite struct UnlockByAnotherTaskTests: WatchesOwnSegment {
  let reader: SegmentSource

  init() throws { reader = try openOwnSegment() }

  func holders(of resource: UInt64) throws -> [UInt64] {
    try reader.snapshot().tasks.filter { task in task.holds.contains { $0.resource == resource } }.map(\.id)
  }

  @Test func aMutexUnlockedByAnotherTaskIsShownFreeThenHeldByItsNextHolder() throws {
    let lock = Mutex(name: "handed-over")
    let next = Mutex(name: "taken-after")
    let locked = Channel<Void>(name: "locked")
    let resume = Channel<Void>(name: "resume-locker")
    let locker = spawn("locker") {
      lock.lock()
      locked.send(())
      _ = resume.receive()  // blocked: its slot keeps the hold until it runs again
      next.lock()  // no lock-order edge from the mutex it no longer holds
      next.unlock()
    }
    _ = locked.receive()
    #expect(try holders(of: lock.id) == [locker.id])
    lock.unlock()  // this task unlocks the locker's mutex, as Go allows
    #expect(try holders(of: lock.id).isEmpty)
    let taker = spawn("next-holder") {
      lock.lock()
      locked.send(())
      _ = locked.receive()
      lock.unlock()
    }
    _ = locked.receive()
    #expect(try holders(of: lock.id) == [taker.id])
    locked.send(())
    taker.join()
    resume.send(())
    locker.join()
    let snapshot = try reader.snapshot()
    #expect(snapshot.task(locker.id)?.holds.isEmpty == true)
    #expect(!snapshot.lockOrder.contains { $0.task == locker.id && $0.to.label.contains("taken-after") })
  }

  @Test func aMutexLockedByATaskThatEndedIsReleasedForIt() throws {
    let lock = Mutex(name: "left-locked")
    let locker = spawn("locks-and-ends") { lock.lock() }
    locker.join()
    #expect(try holders(of: lock.id) == [locker.id])
    lock.unlock()
    #expect(try holders(of: lock.id).isEmpty)
    #expect(try reader.snapshot().task(locker.id)?.holds.isEmpty == true)
    #expect(lock.tryLock())
    lock.unlock()
  }

  @Test func anRWMutexUnlockedByAnotherTaskIsShownFree() throws {
    let table = RWMutex(name: "handed-table")
    let writer = spawn("table-writer") { table.lock() }
    writer.join()
    #expect(try holders(of: table.id) == [writer.id])
    table.unlock()
    #expect(try holders(of: table.id).isEmpty)
    let readerTask = spawn("table-reader") { table.readLock() }
    readerTask.join()
    #expect(try holders(of: table.id) == [readerTask.id])
    table.readUnlock()
    #expect(try holders(of: table.id).isEmpty)
    #expect(table.tryLock())
    table.unlock()
  }
}

/// Go's channel directions: a task that has only used a receive-only view cannot release
/// a blocked receiver, nor a send-only one a blocked sender.
@Suite struct ChannelDirectionRuntimeTests: WatchesOwnSegment {
  let reader: SegmentSource

  init() throws { reader = try openOwnSegment() }

  @Test func eachUserIsPublishedWithTheViewsItUsed() throws {
    let jobs = Channel<Int>(capacity: 4, name: "directed-jobs")
    jobs.sendOnly.send(1)
    let consumer = spawn("directed-consumer") { _ = jobs.receiveOnly.receive() }
    consumer.join()
    let producer = spawn("directed-producer") { jobs.sendOnly.send(2) }
    producer.join()
    let shown = try #require(try reader.snapshot().resource(jobs.id))
    #expect(shown.use(by: consumer.id) == .mayReceive)
    #expect(shown.use(by: producer.id) == [.maySend, .hasSent])
    let me = try #require(shown.users.first)
    #expect(shown.use(by: me) == [.bothWays, .hasSent])
  }

  @Test func aWorkerLeftWithOnlyReceiveOnlyPeersIsStuckForever() throws {
    let started = Channel<Void>(capacity: 2, name: "workers-started")
    let release = Channel<Void>(name: "release-busy-worker")
    var stuckID: UInt64 = 0
    var busyID: UInt64 = 0
    let ids = Channel<(UInt64, UInt64)>(capacity: 1, name: "worker-ids")
    // The producer makes the jobs channel, hands the workers receive-only views, sends
    // one job and returns without closing it.
    let producer = spawn("directed-producer-2") {
      let jobs = Channel<Int>(capacity: 1, name: "leaked-jobs")
      let view = jobs.receiveOnly
      let busy = spawn("busy-worker") {
        _ = view.receive()
        started.send(())
        _ = release.receive()  // elsewhere, and able to go on
      }
      jobs.send(1)
      _ = started.receive()
      let stuck = spawn("stuck-worker") { _ = view.receive() }
      ids.send((stuck.id, busy.id))
    }
    producer.join()
    (stuckID, busyID) = ids.receive()!
    let analysis = try eventually("the worker is stuck forever") { $0.deadlocked.contains(stuckID) }
    let finding = try #require(analysis.deadlocks.first { $0.otherMembers.contains(stuckID) })
    #expect(finding.kind == .stuckForever)
    #expect(!analysis.deadlocked.contains(busyID))
    release.send(())
  }
}
