import DeadtopABI
import DeadtopRuntimeC

/// Go's `sync.Cond` over a `Mutex`: `wait` unlocks the mutex, sleeps until signalled,
/// and locks it again. deadtop shows the waiters and the tasks that have used it (the
/// ones that may still signal).
public final class Cond: @unchecked Sendable {
  public let mutex: Mutex
  let lock = RuntimeLock()
  let published: PublishedResource
  private var waiters: [Waiter] = []

  public init(
    _ mutex: Mutex, name: String? = nil, file: StaticString = #fileID, line: UInt = #line,
    function: StaticString = #function
  ) {
    self.mutex = mutex
    published = PublishedResource(
      kind: Int32(DT_RESOURCE_COND), name: name, capacity: 0, file: file, line: line, function: function)
    published.use(by: currentTask().pointee.id)
    published.publish(count: 0)
    published.watchReferences(of: self)
  }

  deinit { published.release() }

  public var id: UInt64 { published.id }

  /// The caller must hold `mutex`, as in Go.
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
    // Queued before the mutex is released, so a signal right after cannot be missed.
    mutex.unlock(file: file, line: line, function: function)
    wait.park(on: waiter, spinningFor: lock.parkEstimate)
    wait.end()
    mutex.lock(file: file, line: line, function: function)
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
