import DeadtopRuntimeC

/// The lock that guards a primitive's own state (a channel's buffer and queues, an
/// RWMutex's counts): untracked, it spins briefly before it sleeps (handoff.c), and it
/// wakes the waiters that were handed something while it was held only once it is
/// released, so that a woken task does not at once wait for the lock its waker holds.
@usableFromInline
final class RuntimeLock: @unchecked Sendable {
  /// The lock word, on a cache line of its own with the first waiter to wake at unlock:
  /// the task that takes the lock next brings that line to its CPU anyway, and the
  /// object's own fields, which every task reads, stay shared instead of moving to
  /// whichever task last handed something over.
  @usableFromInline let word: UnsafeMutablePointer<dt_lock>
  // Guarded by the lock: more waiters to wake at unlock, and those in `wait()`.
  @exclusivity(unchecked) private var morePendingWakes: [Waiter] = []
  @exclusivity(unchecked) private var sleepers: [Waiter] = []

  init() {
    word = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(
      to: dt_lock.self, capacity: 1)
    word.initialize(to: dt_lock())
  }

  deinit {
    if let pending = word.pointee.pending_wake { Unmanaged<Waiter>.fromOpaque(pending).release() }
    word.deinitialize(count: 1)
    UnsafeMutableRawPointer(word).deallocate()
  }

  /// How long waiters parked on the guarded object spun before their wake-up, which
  /// sets how long the next one spins.
  @usableFromInline var parkEstimate: UnsafeMutablePointer<UInt32> {
    UnsafeMutableRawPointer(word).advanced(by: MemoryLayout<dt_lock>.offset(of: \.park_estimate)!)
      .assumingMemoryBound(to: UInt32.self)
  }

  @inlinable
  func lock() { dt_lock_full(word) }

  @inlinable
  func unlock() {
    guard let pending = word.pointee.pending_wake else { return dt_lock_unlock(word) }
    word.pointee.pending_wake = nil
    unlockWaking(Unmanaged<Waiter>.fromOpaque(pending).takeRetainedValue())
  }

  @usableFromInline
  func unlockWaking(_ first: Waiter) {
    let more = morePendingWakes
    if !more.isEmpty { morePendingWakes.removeAll(keepingCapacity: true) }
    dt_lock_unlock(word)
    first.wake()
    for waiter in more { waiter.wake() }
  }

  /// Wakes `waiter` once the lock is released. The lock must be held.
  @inlinable
  func wakeAfterUnlock(_ waiter: Waiter) {
    if word.pointee.pending_wake == nil {
      word.pointee.pending_wake = Unmanaged.passRetained(waiter).toOpaque()
    } else {
      deferMore(waiter)
    }
  }

  @usableFromInline
  func deferMore(_ waiter: Waiter) { morePendingWakes.append(waiter) }

  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    lock()
    defer { unlock() }
    return try body()
  }

  /// Releases the lock, waits for `broadcast()`, and takes the lock again (a condition
  /// variable; as with one, the caller rechecks what it waits for). The lock must be held.
  func wait() {
    let waiter = Waiter()
    sleepers.append(waiter)
    unlock()
    waiter.park(spinningFor: parkEstimate)
    lock()
  }

  /// Wakes every task in `wait()` once the lock is released. The lock must be held.
  func broadcast() {
    for waiter in sleepers { wakeAfterUnlock(waiter) }
    sleepers.removeAll(keepingCapacity: true)
  }
}

/// How the runtime waits: a blocked task spins up to `limitNanoseconds` (adapted per
/// object) before it sleeps, and not at all when only one CPU is usable. Set at start-up;
/// `DEADTOP_SPIN_NS` chooses another cap (0: never spin).
public enum Spinning {
  public static var limitNanoseconds: Int { Int(dt_spin_limit_ns()) }
  /// The CPUs this process may run on.
  public static var usableProcessors: Int { Int(dt_usable_cpus()) }
}
