import DeadtopABI
import DeadtopRuntimeC
import Synchronization

/// One blocked operation: a task parked until one of its cases fires. A waiter may sit
/// in the queues of several channels (a select); whoever claims it first, with a
/// compare-and-swap, completes it, and the others drop it when they meet it.
@usableFromInline
final class Waiter: @unchecked Sendable {
  private let word: UnsafeMutablePointer<UInt32>
  private let fired = Atomic<Int>(-1)

  init() {
    word = .allocate(capacity: 1)
    word.initialize(to: 0)
  }

  deinit { word.deallocate() }

  /// Claims the waiter for case `index`; false if another case got it first.
  @usableFromInline
  func claim(_ index: Int) -> Bool {
    fired.compareExchange(expected: -1, desired: index, ordering: .acquiringAndReleasing).exchanged
  }

  var firedCase: Int { fired.load(ordering: .acquiring) }
  var isClaimed: Bool { firedCase >= 0 }

  @usableFromInline
  func wake() { dt_unpark(word) }
  /// Spins within the budget `estimate` sets (nil: sleeps at once), then sleeps until woken.
  func park(spinningFor estimate: UnsafeMutablePointer<UInt32>?) { dt_park(word, estimate) }
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
