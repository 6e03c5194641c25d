import Deadtop
import DeadtopCore
import DeadtopReader
import Foundation
import Synchronization
import Testing

/// A count shared with spawned tasks (an `Atomic` cannot be captured).
final class SharedCount: Sendable {
  private let value = Atomic<Int>(0)
  func add() { value.add(1, ordering: .sequentiallyConsistent) }
  var count: Int { value.load(ordering: .sequentiallyConsistent) }
}

/// Go's semantics for channels, select, WaitGroup, Cond, Semaphore, context and timers,
/// and what each publishes. (Fatal misuse ends the process: the demos' end-to-end tests
/// cover it.)
@Suite struct ChannelRuntimeTests {
  let reader: SegmentSource

  init() throws {
    _ = Mutex(name: "bootstrap")
    reader = try SegmentSource(pid: getpid())
  }

  /// Snapshots until `condition` holds about the resource, or fails after a deadline.
  func eventually(
    _ what: String, _ id: UInt64, within seconds: Double = 10, _ condition: (ResourceInfo) -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      if let resource = try reader.snapshot().resource(id), condition(resource) { return }
      guard Date() < deadline else {
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        return
      }
      usleep(2000)
    }
  }

  @Test func aBufferedChannelKeepsOrderAndPublishesItsFill() throws {
    let channel = Channel<Int>(capacity: 3, name: "fill")
    channel.send(1)
    channel.send(2)
    #expect(channel.count == 2)
    try eventually("the fill is published", channel.id) { $0.count == 2 && $0.capacity == 3 }
    #expect(channel.receive() == 1)
    #expect(channel.receive() == 2)
    #expect(channel.count == 0)
  }

  @Test func anUnbufferedSendWaitsForItsReceiver() throws {
    let channel = Channel<String>(name: "rendezvous")
    let delivered = SharedCount()
    let sender = spawn("rendezvous-sender") {
      channel.send("hello")
      delivered.add()
    }
    #expect(try eventually(task: sender.id) { $0.state == .blocked && $0.wait?.kind == .send })
    #expect(delivered.count == 0)
    #expect(channel.receive() == "hello")
    sender.join()
    #expect(delivered.count == 1)
  }

  func eventually(task: UInt64, _ condition: (TaskInfo) -> Bool) throws -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if let info = try reader.snapshot().task(task), condition(info) { return true }
      usleep(2000)
    }
    return false
  }

  @Test func closingDrainsTheBufferThenReceivesNil() throws {
    let channel = Channel<Int>(capacity: 2, name: "closing")
    channel.send(7)
    channel.close()
    #expect(channel.isClosed)
    #expect(channel.receiveWithStatus() == (7, true))
    let (value, ok) = channel.receiveWithStatus()
    #expect(value == nil && !ok)
    #expect(channel.receive() == nil)
    try eventually("closed is published", channel.id) { $0.closed }
  }

  @Test func closingWakesEveryWaitingReceiver() throws {
    let channel = Channel<Int>(name: "wake-all")
    let finished = SharedCount()
    let receivers = (0..<3).map { index in
      spawn("wake-all-\(index)") {
        if channel.receive() == nil { finished.add() }
      }
    }
    for receiver in receivers { #expect(try eventually(task: receiver.id) { $0.state == .blocked }) }
    channel.close()
    for receiver in receivers { receiver.join() }
    #expect(finished.count == 3)
  }

  @Test func rangingEndsWhenTheChannelIsClosed() {
    let channel = Channel<Int>(capacity: 4, name: "range")
    let producer = spawn("range-producer") {
      for value in 1...10 { channel.send(value) }
      channel.close()
    }
    var received: [Int] = []
    for value in channel.values() { received.append(value) }
    producer.join()
    #expect(received == Array(1...10))
  }

  @Test func selectTakesAReadyCaseOrTheDefault() {
    let ready = Channel<Int>(capacity: 1, name: "select-ready")
    let empty = Channel<Int>(name: "select-empty")
    ready.send(5)
    var got: Int?
    select(.receive(ready) { got = $0 }, .receive(empty) { _ in Issue.record("not ready") })
    #expect(got == 5)
    var tookDefault = false
    select(.receive(empty) { _ in }, default: { tookDefault = true })
    #expect(tookDefault)
  }

  @Test func selectChoosesAtRandomAmongReadyCases() {
    let left = Channel<Int>(capacity: 1, name: "select-left")
    let right = Channel<Int>(capacity: 1, name: "select-right")
    var lefts = 0
    for _ in 0..<200 {
      left.send(0)
      right.send(1)
      select(.receive(left) { _ in lefts += 1 }, .receive(right) { _ in })
      // Drain whichever was not chosen.
      select(.receive(left) { _ in }, .receive(right) { _ in })
    }
    #expect(lefts > 40 && lefts < 160, "left chosen \(lefts) times of 200")
  }

  @Test func selectTimesOutWithAfter() {
    let never = Channel<Int>(name: "select-never")
    var timedOut = false
    select(.receive(never) { _ in }, .receive(after(0.05)) { _ in timedOut = true })
    #expect(timedOut)
  }

  @Test func aWaitGroupKnowsItsMembersAndReleasesItsWaiter() throws {
    let group = WaitGroup(name: "members")
    let gate = Channel<Void>(name: "members-gate")
    let first = group.go("member-1") { _ = gate.receive() }
    let second = group.go("member-2") { _ = gate.receive() }
    try eventually("both members are listed", group.id) {
      $0.listsMembers && Set($0.users) == [first.id, second.id] && $0.count == 2
    }
    gate.close()
    group.wait()
    #expect(group.count == 0)
  }

  @Test func condSignalWakesOneAndBroadcastWakesAll() throws {
    let lock = Mutex(name: "cond-lock")
    let condition = Cond(lock, name: "cond")
    let woken = SharedCount()
    let ready = Guarded(false)
    let waiters = (0..<3).map { index in
      spawn("cond-waiter-\(index)") {
        lock.withLock {
          while !ready.value { condition.wait() }
        }
        woken.add()
      }
    }
    for waiter in waiters { #expect(try eventually(task: waiter.id) { $0.wait?.kind == .cond }) }
    lock.withLock {
      ready.value = true
      condition.signal()
    }
    let deadline = Date().addingTimeInterval(10)
    while woken.count < 1 && Date() < deadline { usleep(1000) }
    lock.withLock { condition.broadcast() }
    for waiter in waiters { waiter.join() }
    #expect(woken.count == 3)
  }

  @Test func aSemaphorePublishesItsHolders() throws {
    let semaphore = Semaphore(permits: 2, name: "permits")
    semaphore.acquire()
    #expect(semaphore.tryAcquire())
    #expect(!semaphore.tryAcquire())
    try eventually("two permits are taken", semaphore.id) { $0.count == 2 && $0.capacity == 2 }
    let waiter = spawn("permit-waiter") {
      semaphore.acquire()
      semaphore.release()
    }
    #expect(try eventually(task: waiter.id) { $0.wait?.kind == .semaphore })
    semaphore.release()
    waiter.join()
    semaphore.release()
  }

  @Test func cancellingAContextClosesItsDoneAndItsChildren() {
    let (parent, cancel) = Context.withCancel(name: "parent")
    let (child, cancelChild) = Context.withCancel(parent, name: "child")
    #expect(!child.isCancelled)
    cancel()
    #expect(parent.error == .canceled)
    #expect(child.error == .canceled)
    #expect(child.done.receive() == nil)
    cancelChild()
  }

  @Test func aContextTimesOut() {
    let (context, cancel) = Context.withTimeout(seconds: 0.05, name: "short")
    _ = context.done.receive()
    #expect(context.error == .deadlineExceeded)
    cancel()
    #expect(context.error == .deadlineExceeded)
  }

  @Test func anErrorGroupReturnsTheFirstErrorAndCancelsTheRest() {
    struct Failed: Error {}
    let group = ErrorGroup(name: "group")
    group.go("failing") { _ in throw Failed() }
    group.go("waiting") { context in _ = context.done.receive() }
    let error = group.wait()
    #expect(error is Failed)
    #expect(group.context.isCancelled)
  }

  @Test func aTimerFiresOnceAndCanBeStoppedOrReset() throws {
    let timer = Timer(after: 0.05, name: "timer-fires")
    _ = timer.channel.receive()
    #expect(!timer.stop())  // already fired
    try eventually("a fired timer is no longer fed by the clock", timer.channel.id) { !$0.clockDriven }

    let stopped = Timer(after: 0.05, name: "timer-stopped")
    #expect(stopped.stop())
    var fired = false
    select(.receive(stopped.channel) { _ in fired = true }, .receive(after(0.15)) { _ in })
    #expect(!fired)

    #expect(!stopped.reset(after: 0.02))
    _ = stopped.channel.receive()
  }

  @Test func aTickerTicksUntilStopped() throws {
    let ticker = Ticker(every: 0.02, name: "ticker")
    for _ in 0..<3 { _ = ticker.channel.receive() }
    try eventually("a running ticker is fed by the clock", ticker.channel.id) { $0.clockDriven }
    ticker.stop()
    try eventually("a stopped ticker is not", ticker.channel.id) { !$0.clockDriven }
    var ticked = false
    select(.receive(ticker.channel) { _ in }, default: {})  // a tick sent before stop may be buffered
    select(.receive(ticker.channel) { _ in ticked = true }, .receive(after(0.1)) { _ in })
    #expect(!ticked)
  }
}
