// One file over ~350 lines: a channel's send, receive, close and range share one lock
// and one waiter queue; every path that touches them is read best side by side.
import DeadtopABI
import DeadtopRuntimeC

/// A Go channel, published to deadtop: unbuffered (`capacity: 0`, a send waits for a
/// receiver) or buffered. Receiving from a closed channel returns at once: the buffered
/// values first, then nil (`receiveWithStatus()` tells a nil value from the close).
/// Sending on a closed channel and closing twice are Go's panics, with the call site.
/// `for value in channel` receives until the channel is closed and drained.
public final class Channel<Element>: @unchecked Sendable {
  // The fast paths are inlinable so that a program's module specializes them for its
  // element type: generic code run unspecialized looks up type metadata on every call.
  @usableFromInline let lock = RuntimeLock()
  @usableFromInline let published: PublishedResource
  public let capacity: Int
  public let name: String?
  // Guarded by `lock`, so the runtime's dynamic exclusivity checks (which a program's
  // module would otherwise emit on every access) are left out.
  @usableFromInline @exclusivity(unchecked) var buffer: [Element?]
  @usableFromInline @exclusivity(unchecked) var bufferHead = 0
  @usableFromInline @exclusivity(unchecked) var buffered = 0
  @usableFromInline @exclusivity(unchecked) var closed = false
  @usableFromInline @exclusivity(unchecked) var receivers = WaitQueue<Element>()
  @usableFromInline @exclusivity(unchecked) var senders = WaitQueue<Element>()

  public convenience init(
    capacity: Int = 0, name: String? = nil, file: StaticString = #fileID, line: UInt = #line,
    function: StaticString = #function
  ) {
    self.init(
      capacity: capacity, name: name, clockDriven: false, referencesOf: nil, file: file, line: line,
      function: function)
  }

  /// `clockDriven`: a timer's channel, fed by the clock, so never stuck. `referencesOf`:
  /// the object whose references tell who can still use it (a context, for its done
  /// channel), else the channel itself.
  init(
    capacity: Int, name: String?, clockDriven: Bool, referencesOf owner: AnyObject?, file: StaticString,
    line: UInt, function: StaticString = ""
  ) {
    precondition(capacity >= 0, "a channel's capacity cannot be negative")
    self.capacity = capacity
    self.name = name
    buffer = [Element?](repeating: nil, count: capacity)
    published = PublishedResource(
      kind: Int32(DT_RESOURCE_CHANNEL), name: name, capacity: capacity,
      flags: clockDriven ? UInt32(DT_RESOURCE_CLOCK) : 0, file: file, line: line, function: function)
    published.use(by: currentTask().pointee.id, as: Self.bothWays)
    published.publish(count: 0)
    published.watchReferences(of: owner ?? self)
  }

  deinit { published.release() }

  /// The resource id deadtop shows.
  public var id: UInt64 { published.id }

  /// Values waiting in the buffer (Go's `len`).
  public var count: Int { lock.withLock { buffered } }

  public var isClosed: Bool { lock.withLock { closed } }

  @usableFromInline var label: String { name.map { "channel \"\($0)\"" } ?? "channel #\(id)" }

  // MARK: Operations

  // Specialized in the caller's module but not inlined into its code: an inlined copy
  // would hold the channel a varying number of times and skew its reference count.
  @inlinable @inline(never)
  public func send(
    _ value: Element, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    send(value, view: Self.bothWays, site: (file, line, function))
  }

  /// `view`: the DT_USER_* bits of the view used (the channel, or a send-only view).
  @inlinable @inline(never)  // as `send`
  func send(_ value: Element, view: UInt64, site: CallSiteArguments) {
    let task = currentTask()
    lock.lock()
    if attemptSend(value, task: task, view: view, file: site.file, line: site.line, function: site.function) {
      lock.unlock()
      return
    }
    blockSending(value, task: task, site: site)
  }

  /// A task using the channel itself can both send and receive.
  @usableFromInline static var bothWays: UInt64 { DT_USER_MAY_RECEIVE | DT_USER_MAY_SEND }

  /// The next value; nil once the channel is closed and drained.
  @inlinable @inline(never)  // as `send`
  public func receive(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Element? {
    receiveWithStatus(file: file, line: line, function: function).value
  }

  /// Go's `v, ok := <-ch`: ok is false once the channel is closed and drained.
  @inlinable @inline(never)  // as `send`
  public func receiveWithStatus(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> (value: Element?, ok: Bool) {
    receive(iterating: false, view: Self.bothWays, site: (file, line, function))
  }

  @inlinable @inline(never)  // as `send`
  func receive(iterating: Bool, view: UInt64, site: CallSiteArguments) -> (value: Element?, ok: Bool) {
    let task = currentTask()
    lock.lock()
    if let result = attemptReceive(task: task, view: view) {
      lock.unlock()
      return result
    }
    return blockReceiving(task: task, iterating: iterating, site: site)
  }

  // The slow paths stay out of line: they park, and need no specializing.

  /// Waits until a receiver takes `value`; the lock is held on entry and released.
  @usableFromInline
  func blockSending(_ value: Element, task: UnsafeMutablePointer<dt_task_slot>, site: CallSiteArguments) {
    let operation = SendOperation(channel: self, value: value)
    blockOnOne(operation, kind: Int32(DT_WAIT_SEND), task: task, iterating: false, site: site)
    operation.finish(file: site.file, line: site.line, function: site.function)
  }

  /// Waits for a value or the close; the lock is held on entry and released.
  @usableFromInline
  func blockReceiving(
    task: UnsafeMutablePointer<dt_task_slot>, iterating: Bool, site: CallSiteArguments
  ) -> (value: Element?, ok: Bool) {
    let operation = ReceiveOperation(channel: self)
    blockOnOne(operation, kind: Int32(DT_WAIT_RECEIVE), task: task, iterating: iterating, site: site)
    return (operation.handoff.value, operation.handoff.delivered)
  }

  /// Closes the channel: waiting receivers get nil at once, later receives drain the
  /// buffer and then get nil, waiting senders panic as in Go.
  public func close(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    close(by: currentTask().pointee.id, view: Self.bothWays, file: file, line: line, function: function)
  }

  /// `task` 0: the runtime's timer thread, which is no task (a context's deadline).
  func close(
    by task: UInt64, view: UInt64 = DT_USER_MAY_SEND, file: StaticString, line: UInt, function: StaticString
  ) {
    lock.lock()
    if closed {
      lock.unlock()
      panic("close of closed channel (\(label))", file: file, line: line, function: function)
    }
    closed = true
    if task != 0 { published.use(by: task, as: view | DT_USER_SENT) }
    published.set(flag: DT_RESOURCE_CLOSED, true)
    let woken =
      receivers.removeAll().filter { $0.waiter.claim($0.index) }.map(\.waiter)
      + senders.removeAll().filter { $0.waiter.claim($0.index) }.map(\.waiter)
    published.publish(count: buffered)
    lock.unlock()
    Runtime.shared.recordEvent(
      Int32(DT_EVENT_CLOSE), task: task, target: id, site: Runtime.shared.site(file, line, function))
    for waiter in woken { waiter.wake() }
  }

  /// A timer's tick, sent by the timer thread (which is no task): to a waiting
  /// receiver, else into the buffer if there is room, else dropped (as Go's tickers do).
  /// `clockFeedsMore`: false once the clock will send nothing more (a timer that fired),
  /// so that a task waiting for another value is judged like any other.
  func deliverFromClock(_ value: Element, clockFeedsMore: Bool = false) {
    lock.lock()
    published.set(flag: DT_RESOURCE_CLOCK, clockFeedsMore)
    var woken: Waiter?
    if closed {
    } else if let receiver = receivers.claimFirst() {
      receiver.handoff.value = value
      receiver.handoff.delivered = true
      woken = receiver.waiter
    } else if buffered < capacity {
      buffer[(bufferHead + buffered) % capacity] = value
      buffered += 1
    }
    published.publish(count: buffered)
    lock.unlock()
    woken?.wake()
    // A timer's or deadline's firing; a ticker's ticks would flood the ring.
    if !clockFeedsMore { Runtime.shared.recordEvent(Int32(DT_EVENT_TIMEOUT), task: 0, target: id) }
  }

  /// Whether the clock may still send on it (a timer armed, a ticker running).
  func setClockDriven(_ on: Bool) {
    lock.withLock {
      published.set(flag: DT_RESOURCE_CLOCK, on)
      published.publish(count: buffered)
    }
  }

  /// Empties the buffer: a stopped or reset timer leaves no stale value behind (Go 1.23).
  func discardBuffered() {
    lock.withLock {
      while buffered > 0 {
        buffer[bufferHead] = nil
        bufferHead = (bufferHead + 1) % capacity
        buffered -= 1
      }
      published.publish(count: buffered)
    }
  }

  // MARK: With the lock held

  /// Completes a send without blocking if a receiver waits or the buffer has room.
  @inlinable
  func attemptSend(
    _ value: Element, task: UnsafeMutablePointer<dt_task_slot>, view: UInt64, file: StaticString, line: UInt,
    function: StaticString
  ) -> Bool {
    if closed {
      lock.unlock()
      panic("send on closed channel (\(label))", file: file, line: line, function: function)
    }
    published.use(by: task.pointee.id, as: view | DT_USER_SENT)
    if let receiver = receivers.claimFirst() {
      receiver.handoff.value = value
      receiver.handoff.delivered = true
      published.publish(count: buffered)
      dt_task_count_transfer(task, 1, 0)
      lock.wakeAfterUnlock(receiver.waiter)
      return true
    }
    guard buffered < capacity else { return false }
    buffer[(bufferHead + buffered) % capacity] = value
    buffered += 1
    published.publish(count: buffered)
    dt_task_count_transfer(task, 1, 0)
    return true
  }

  /// Completes a receive without blocking: from the buffer (refilled from a waiting
  /// sender), from a waiting sender, or nil from a closed channel. Nil if it must wait.
  @inlinable
  func attemptReceive(task: UnsafeMutablePointer<dt_task_slot>, view: UInt64) -> (value: Element?, ok: Bool)?
  {
    published.use(by: task.pointee.id, as: view)
    if buffered > 0 {
      let value = buffer[bufferHead]
      buffer[bufferHead] = nil
      bufferHead = (bufferHead + 1) % capacity
      buffered -= 1
      if let sender = senders.claimFirst() {
        buffer[(bufferHead + buffered) % capacity] = sender.handoff.value
        buffered += 1
        sender.handoff.delivered = true
        lock.wakeAfterUnlock(sender.waiter)
      }
      published.publish(count: buffered)
      dt_task_count_transfer(task, 0, 1)
      return (value, true)
    }
    if let sender = senders.claimFirst() {
      sender.handoff.delivered = true
      published.publish(count: buffered)
      dt_task_count_transfer(task, 0, 1)
      lock.wakeAfterUnlock(sender.waiter)
      return (sender.handoff.value, true)
    }
    if closed { return (nil, false) }
    return nil
  }

  // Queuing publishes: the waiter is now one of the channel's users.
  func enqueueReceiver(_ entry: QueuedWaiter<Element>) {
    receivers.append(entry)
    published.publish(count: buffered)
  }

  func enqueueSender(_ entry: QueuedWaiter<Element>) {
    senders.append(entry)
    published.publish(count: buffered)
  }

  func remove(_ waiter: Waiter) {
    receivers.remove(waiter)
    senders.remove(waiter)
  }

  /// Parks the task on one operation; the lock is held on entry and released.
  private func blockOnOne(
    _ operation: some ChannelOperation, kind: Int32, task: UnsafeMutablePointer<dt_task_slot>,
    iterating: Bool, site: CallSiteArguments
  ) {
    let waiter = Waiter()
    operation.enqueue(waiter, index: 0, task: task.pointee.id)
    // The operation object holds the channel once, a loop's iterator once more, and an
    // unoptimized loop copies the iterator's reference for each `next()`. What the
    // caller's frames hold is theirs: a reference like any other.
    let held = 1 + (iterating ? Self.iteratorCopies : 0)
    published.runtimeHoldsPrimitive(held)
    let siteReference = Runtime.shared.site(site.file, site.line, site.function)
    var wait = Runtime.shared.beginParkedWait(
      task, kind: kind, target: id, site: siteReference,
      flags: iterating ? UInt32(DT_WAIT_ITERATING) : 0)
    lock.unlock()
    wait.park(on: waiter, spinningFor: lock.parkEstimate)
    published.runtimeHoldsPrimitive(-held)
    wait.end()
    if operation.delivered {
      if kind == Int32(DT_WAIT_RECEIVE) {
        dt_task_count_transfer(task, 0, 1)
      } else {
        dt_task_count_transfer(task, 1, 0)
      }
    }
  }
}

extension Channel {
  #if DEBUG
    static var iteratorCopies: Int { 2 }
  #else
    static var iteratorCopies: Int { 1 }
  #endif
}

@usableFromInline typealias CallSiteArguments = (file: StaticString, line: UInt, function: StaticString)

extension Channel: Sequence {
  public struct Iterator: IteratorProtocol {
    @usableFromInline let channel: Channel
    @usableFromInline let file: StaticString
    @usableFromInline let line: UInt
    @usableFromInline let function: StaticString
    /// The view the loop receives through (the channel, or a receive-only view).
    @usableFromInline let view: UInt64

    @inlinable @inline(never)  // as `send`
    public mutating func next() -> Element? {
      let (value, ok) = channel.receive(iterating: true, view: view, site: (file, line, function))
      return ok ? value : nil
    }
  }

  /// `for value in channel`: receives until the channel is closed and drained. Use
  /// `values()` to have the loop's own call site shown.
  public func makeIterator() -> Iterator {
    Iterator(channel: self, file: #fileID, line: #line, function: "for value in channel", view: Self.bothWays)
  }

  /// The same loop, with its call site recorded: `for value in channel.values() { ... }`.
  public func values(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Values {
    Values(channel: self, file: file, line: line, function: function, view: Self.bothWays)
  }

  public struct Values: Sequence {
    // Unowned: only the loop's iterator, made at once, keeps the channel alive, so
    // that deadtop can tell who else holds it.
    unowned let channel: Channel
    let file: StaticString
    let line: UInt
    let function: StaticString
    let view: UInt64

    public func makeIterator() -> Iterator {
      Iterator(channel: channel, file: file, line: line, function: function, view: view)
    }
  }
}
