import DeadtopABI
import DeadtopRuntimeC

/// One blocked operation: a task parked until one of its cases fires. A waiter may sit
/// in the queues of several channels (a select); whoever claims it first, with a
/// compare-and-swap, completes it, and the others drop it when they meet it.
@usableFromInline
final class Waiter: @unchecked Sendable {
  private let state: UnsafeMutablePointer<dt_waiter>

  init() {
    state = .allocate(capacity: 1)
    state.initialize(to: dt_waiter())
  }

  deinit { state.deallocate() }

  /// Claims the waiter for case `index`; false if another case got it first.
  @usableFromInline
  func claim(_ index: Int) -> Bool { dt_waiter_claim(state, UInt32(index)) != 0 }

  var firedCase: Int { Int(dt_waiter_fired(state)) }
  var isClaimed: Bool { firedCase >= 0 }

  @usableFromInline
  func wake() { dt_unpark(&state.pointee.park) }

  /// Spins within the budget `estimate` sets (nil: no spin) from `since` (the wait's
  /// start), then, unless woken meanwhile, calls `beforeSleeping` and sleeps until woken.
  /// Returns whether it slept.
  @discardableResult
  func park(
    spinningFor estimate: UnsafeMutablePointer<UInt32>?, since: UInt64 = dt_monotonic_ns(),
    beforeSleeping: () -> Void = {}
  ) -> Bool {
    if dt_park_spin(&state.pointee.park, estimate, since) != 0 { return false }
    beforeSleeping()
    dt_park_sleep(&state.pointee.park, estimate, since)
    return true
  }
}

/// What a blocked send offers or a blocked receive gets, handed over under the channel's
/// lock before the waiter is woken.
@usableFromInline
final class Handoff<Element>: @unchecked Sendable {
  @usableFromInline var value: Element?
  /// For a receive: a value arrived (false: the channel was closed). For a send: a
  /// receiver took the value (false: the channel was closed, which is fatal).
  @usableFromInline var delivered = false

  @usableFromInline
  init(_ value: Element? = nil) { self.value = value }
}

/// A waiter in a channel's queue, for case `index` of its operation.
@usableFromInline
struct QueuedWaiter<Element> {
  @usableFromInline let waiter: Waiter
  @usableFromInline let index: Int
  @usableFromInline let handoff: Handoff<Element>
  let task: UInt64
}

/// A FIFO queue that pops claimed-elsewhere entries lazily.
@usableFromInline
struct WaitQueue<Element> {
  @usableFromInline var entries: [QueuedWaiter<Element>] = []
  @usableFromInline var head = 0

  @usableFromInline
  init() {}

  var isEmpty: Bool { head == entries.count }
  var count: Int { entries.count - head }

  mutating func append(_ entry: QueuedWaiter<Element>) { entries.append(entry) }

  /// The first waiter this caller manages to claim, removed from the queue.
  @inlinable
  mutating func claimFirst() -> QueuedWaiter<Element>? {
    while head < entries.count {
      let entry = entries[head]
      head += 1
      if head == entries.count {
        entries.removeAll(keepingCapacity: true)
        head = 0
      }
      if entry.waiter.claim(entry.index) { return entry }
    }
    return nil
  }

  /// Whether some waiter could still be claimed (not already fired elsewhere).
  var hasClaimable: Bool { entries[head...].contains { !$0.waiter.isClaimed } }

  mutating func remove(_ waiter: Waiter) {
    entries = entries[head...].filter { $0.waiter !== waiter }
    head = 0
  }

  mutating func removeAll() -> [QueuedWaiter<Element>] {
    defer {
      entries.removeAll()
      head = 0
    }
    return Array(entries[head...])
  }
}
