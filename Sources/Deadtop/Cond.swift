import DeadtopABI
import DeadtopRuntimeC

/// Go's `sync.Locker`: what a `Cond` unlocks while it waits. `Mutex` and `RWMutex` (its
/// write lock) are lockers, and `RWMutex.readLocker` is its read lock as one (Go's
/// `RLocker`).
public protocol Locker: AnyObject, Sendable {
  func lock(file: StaticString, line: UInt, function: StaticString)
  func unlock(file: StaticString, line: UInt, function: StaticString)
}

extension Mutex: Locker {}
extension RWMutex: Locker {}

extension RWMutex {
  /// The read lock as a `Locker`: `lock` read-locks, `unlock` read-unlocks.
  public var readLocker: some Locker { ReadLocker(self) }
}

private final class ReadLocker: Locker {
  let rwMutex: RWMutex

  init(_ rwMutex: RWMutex) { self.rwMutex = rwMutex }

  func lock(file: StaticString, line: UInt, function: StaticString) {
    rwMutex.readLock(file: file, line: line, function: function)
  }

  func unlock(file: StaticString, line: UInt, function: StaticString) {
    rwMutex.readUnlock(file: file, line: line, function: function)
  }
}

/// Go's `sync.Cond` over any `Locker`: `wait` unlocks it, sleeps until signalled, and
/// locks it again. deadtop shows the waiters and the tasks that have used it (the ones
/// that may still signal).
public final class Cond: @unchecked Sendable {
  /// Go's `L`.
  public let locker: any Locker
  let lock = RuntimeLock()
  let published: PublishedResource
  private var waiters: [Waiter] = []

  public init(
    _ locker: any Locker, name: String? = nil, file: StaticString = #fileID, line: UInt = #line,
    function: StaticString = #function
  ) {
    self.locker = locker
    published = PublishedResource(
      kind: Int32(DT_RESOURCE_COND), name: name, capacity: 0, file: file, line: line, function: function)
    published.use(by: currentTask().pointee.id)
    published.publish(count: 0)
    published.watchReferences(of: self)
  }

  deinit { published.release() }

  public var id: UInt64 { published.id }

  /// The caller must hold `locker`, as in Go.
  public func wait(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
    let task = currentTask()
    let waiter = Waiter()
    lock.lock()
    published.use(by: task.pointee.id)
    waiters.append(waiter)
    published.publish(count: waiters.count)
    let site = Runtime.shared.site(file, line, function)
    var wait = Runtime.shared.beginParkedWait(task, kind: Int32(DT_WAIT_COND), target: id, site: site)
    lock.unlock()
    // Queued before the lock is released, so a signal right after cannot be missed.
    locker.unlock(file: file, line: line, function: function)
    wait.park(on: waiter, spinningFor: lock.parkEstimate)
    wait.end()
    locker.lock(file: file, line: line, function: function)
  }

  /// Wakes one waiter, if any.
  public func signal(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
    wake(all: false)
  }

  /// Wakes every waiter.
  public func broadcast(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function)
  {
    wake(all: true)
  }

  private func wake(all: Bool) {
    let task = currentTask().pointee.id
    lock.lock()
    published.use(by: task)
    let woken = all ? waiters : Array(waiters.prefix(1))
    waiters.removeFirst(woken.count)
    published.publish(count: waiters.count)
    lock.unlock()
    for waiter in woken { waiter.wake() }
  }
}
