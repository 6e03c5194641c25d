import DeadtopABI
import DeadtopRuntimeC

/// One channel operation that can wait: a plain send or receive, or a case of a select.
/// It holds its channel once (the runtime counts that reference as its own).
protocol ChannelOperation: AnyObject {
  var published: PublishedResource { get }
  var channelLock: RuntimeLock { get }
  var caseKind: Int32 { get }
  /// A receiver got a value, or a receiver took the sent one.
  var delivered: Bool { get }
  /// With the channel locked: completes at once if it can.
  func attempt(task: UnsafeMutablePointer<dt_task_slot>, site: CallSiteArguments) -> Bool
  /// With the channel locked: queues `waiter` for case `index`.
  func enqueue(_ waiter: Waiter, index: Int, task: UInt64)
  /// With the channel locked: leaves the queue (another case fired).
  func remove(_ waiter: Waiter)
}

final class SendOperation<Element>: ChannelOperation {
  let channel: Channel<Element>
  let handoff: Handoff<Element>
  /// The DT_USER_* bits of the view it sends through.
  let view: UInt64

  init(channel: Channel<Element>, value: Element, view: UInt64 = Channel<Element>.bothWays) {
    self.channel = channel
    handoff = Handoff(value)
    self.view = view
  }

  var published: PublishedResource { channel.published }
  var channelLock: RuntimeLock { channel.lock }
  var caseKind: Int32 { Int32(DT_CASE_SEND) }
  var delivered: Bool { handoff.delivered }

  func attempt(task: UnsafeMutablePointer<dt_task_slot>, site: CallSiteArguments) -> Bool {
    // attemptSend unlocks before its panic, so release every other lock is not needed:
    // the process ends.
    guard let value = handoff.value else { return false }
    let done = channel.attemptSend(
      value, task: task, view: view, file: site.file, line: site.line, function: site.function)
    if done { handoff.delivered = true }
    return done
  }

  func enqueue(_ waiter: Waiter, index: Int, task: UInt64) {
    channel.enqueueSender(QueuedWaiter(waiter: waiter, index: index, handoff: handoff, task: task))
  }

  func remove(_ waiter: Waiter) { channel.remove(waiter) }

  /// After waking: a send that a close interrupted is Go's panic.
  func finish(file: StaticString, line: UInt, function: StaticString) {
    if !handoff.delivered {
      panic("send on closed channel (\(channel.label))", file: file, line: line, function: function)
    }
  }
}

final class ReceiveOperation<Element>: ChannelOperation {
  let channel: Channel<Element>
  let handoff = Handoff<Element>()
  /// The DT_USER_* bits of the view it receives through.
  let view: UInt64

  init(channel: Channel<Element>, view: UInt64 = Channel<Element>.bothWays) {
    self.channel = channel
    self.view = view
  }

  var published: PublishedResource { channel.published }
  var channelLock: RuntimeLock { channel.lock }
  var caseKind: Int32 { Int32(DT_CASE_RECEIVE) }
  var delivered: Bool { handoff.delivered }

  func attempt(task: UnsafeMutablePointer<dt_task_slot>, site: CallSiteArguments) -> Bool {
    guard let (value, ok) = channel.attemptReceive(task: task, view: view) else { return false }
    handoff.value = value
    handoff.delivered = ok
    return true
  }

  func enqueue(_ waiter: Waiter, index: Int, task: UInt64) {
    channel.enqueueReceiver(QueuedWaiter(waiter: waiter, index: index, handoff: handoff, task: task))
  }

  func remove(_ waiter: Waiter) { channel.remove(waiter) }
}

/// A case of `select`: a send or a receive, and what to run when it is chosen.
public struct SelectCase {
  /// Nil for a case on a nil channel, which never fires (Go's nil channel in a select).
  let operation: (any ChannelOperation)?
  let chosen: () -> Void

  /// Receives from `channel`; `body` gets the value, or nil once it is closed. On a nil
  /// channel the case never fires, as in Go (a way to switch a case off).
  public static func receive<Element>(
    _ channel: Channel<Element>?, _ body: @escaping (Element?) -> Void = { _ in }
  ) -> SelectCase {
    guard let channel else { return never }
    let operation = ReceiveOperation(channel: channel)
    return SelectCase(operation: operation) {
      body(operation.handoff.delivered ? operation.handoff.value : nil)
    }
  }

  /// Go's `case v, ok := <-ch`.
  public static func receiveWithStatus<Element>(
    _ channel: Channel<Element>?, _ body: @escaping (Element?, Bool) -> Void
  ) -> SelectCase {
    guard let channel else { return never }
    let operation = ReceiveOperation(channel: channel)
    return SelectCase(operation: operation) { body(operation.handoff.value, operation.handoff.delivered) }
  }

  /// Sends `value` on `channel`; sending on a closed channel panics, as in Go. On a nil
  /// channel the case never fires.
  public static func send<Element>(
    _ channel: Channel<Element>?, _ value: Element, _ body: @escaping () -> Void = {}
  ) -> SelectCase {
    guard let channel else { return never }
    return SelectCase(operation: SendOperation(channel: channel, value: value), chosen: body)
  }

  static var never: SelectCase { SelectCase(operation: nil, chosen: {}) }
}

/// Go's `select`: waits until one of the cases can proceed and runs it; among several
/// ready cases it picks one at random. With `default`, it never waits. A timeout is a
/// receive from `after(seconds)`.
public func select(
  _ cases: SelectCase..., default otherwise: (() -> Void)? = nil, file: StaticString = #fileID,
  line: UInt = #line, function: StaticString = #function
) {
  select(cases, default: otherwise, file: file, line: line, function: function)
}

@inline(never)  // as `Channel.send`: keeps the channels' reference counts predictable
public func select(
  _ allCases: [SelectCase], default otherwise: (() -> Void)? = nil, file: StaticString = #fileID,
  line: UInt = #line, function: StaticString = #function
) {
  // Cases on nil channels never fire: they are left out (all of them: `select {}`).
  let cases = allCases.compactMap { selectCase in
    selectCase.operation.map { (operation: $0, chosen: selectCase.chosen) }
  }
  let task = currentTask()
  let site: CallSiteArguments = (file, line, function)
  // Lock every channel once, in id order, so that two selects cannot deadlock.
  var locks: [(id: UInt64, lock: RuntimeLock)] = []
  for selectCase in cases where !locks.contains(where: { $0.id == selectCase.operation.published.id }) {
    locks.append((selectCase.operation.published.id, selectCase.operation.channelLock))
  }
  locks.sort { $0.id < $1.id }
  for entry in locks { entry.lock.lock() }
  func unlockAll() { for entry in locks.reversed() { entry.lock.unlock() } }

  for index in cases.indices.shuffled() where cases[index].operation.attempt(task: task, site: site) {
    unlockAll()
    cases[index].chosen()
    return
  }
  if let otherwise {
    unlockAll()
    otherwise()
    return
  }
  guard !cases.isEmpty else {
    unlockAll()
    // Go's `select {}`: blocks forever, and deadtop shows it.
    let siteReference = Runtime.shared.site(file, line, function)
    _ = Runtime.shared.beginWait(task, kind: Int32(DT_WAIT_SELECT), target: 0, site: siteReference)
    Waiter().park(spinningFor: nil)
    fatalError("unreachable")
  }

  let waiter = Waiter()
  var published: [dt_case] = []
  for (index, selectCase) in cases.enumerated() {
    selectCase.operation.enqueue(waiter, index: index, task: task.pointee.id)
    selectCase.operation.published.runtimeHoldsPrimitive(1)
    published.append(
      dt_case(
        resource: selectCase.operation.published.id, op: UInt32(selectCase.operation.caseKind), reserved: 0))
  }
  let siteReference = Runtime.shared.site(file, line, function)
  var wait = Runtime.shared.beginParkedWait(
    task, kind: Int32(DT_WAIT_SELECT), target: 0, site: siteReference, cases: published)
  unlockAll()
  wait.park(on: waiter, spinningFor: locks.first?.lock.parkEstimate)
  let chosen = waiter.firedCase
  for (index, selectCase) in cases.enumerated() {
    selectCase.operation.published.runtimeHoldsPrimitive(-1)
    guard index != chosen else { continue }
    selectCase.operation.channelLock.withLock { selectCase.operation.remove(waiter) }
  }
  wait.end(target: cases[chosen].operation.published.id)
  let operation = cases[chosen].operation
  if operation.delivered {
    if operation.caseKind == Int32(DT_CASE_SEND) {
      dt_task_count_transfer(task, 1, 0)
    } else {
      dt_task_count_transfer(task, 0, 1)
    }
  }
  if let send = operation as? any SendFinishing {
    send.finishSend(file: file, line: line, function: function)
  }
  cases[chosen].chosen()
}

/// A send case checks, after waking, that a close did not interrupt it.
protocol SendFinishing { func finishSend(file: StaticString, line: UInt, function: StaticString) }

extension SendOperation: SendFinishing {
  func finishSend(file: StaticString, line: UInt, function: StaticString) {
    finish(file: file, line: line, function: function)
  }
}
