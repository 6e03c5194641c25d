import DeadtopABI
import DeadtopRuntimeC

/// A counting semaphore (Go's `x/sync/semaphore.Weighted`) that knows its holders:
/// deadtop shows who holds permits and who waits for them. Waiters are served in order,
/// so a large request is not starved by small ones. Releasing more than is held is a
/// fatal error, as in Go.
public final class Semaphore: @unchecked Sendable {
  public let permits: Int
  let lock = RuntimeLock()
  let published: PublishedResource
  private var taken = 0
  private var holders: [UInt64] = []
  private var queue: [(waiter: Waiter, count: Int, task: UInt64)] = []

  public init(permits: Int, name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
    precondition(permits > 0, "a semaphore needs at least one permit")
    self.permits = permits
    published = PublishedResource(
      kind: Int32(DT_RESOURCE_SEMAPHORE), name: name, capacity: permits, flags: UInt32(DT_RESOURCE_MEMBERS),
      file: file, line: line)
    published.publish(count: 0)
    published.watchReferences(of: self)
  }

  deinit { published.release() }

  public var id: UInt64 { published.id }

  public func acquire(
    _ count: Int = 1, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    lock.lock()
    if queue.isEmpty && taken + count <= permits {
      grant(count, to: task.pointee.id)
      lock.unlock()
      return
    }
    let waiter = Waiter()
    queue.append((waiter, count, task.pointee.id))
    let site = Runtime.shared.site(file, line, function)
    var wait = Runtime.shared.beginParkedWait(task, kind: Int32(DT_WAIT_SEMAPHORE), target: id, site: site)
    lock.unlock()
    wait.park(on: waiter, spinningFor: lock.parkEstimate)
    wait.end()
  }

  /// Takes `count` permits if they are free now; never waits.
  public func tryAcquire(_ count: Int = 1) -> Bool {
    let task = currentTask().pointee.id
    return lock.withLock {
      guard queue.isEmpty && taken + count <= permits else { return false }
      grant(count, to: task)
      return true
    }
  }

  public func release(
    _ count: Int = 1, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask().pointee.id
    lock.lock()
    guard count <= taken else {
      lock.unlock()
      fatal("semaphore: released more than held", file: file, line: line, function: function)
    }
    taken -= count
    // The releaser's own permits go first; a permit released for another task (a
    // hand-off) comes from the longest holder.
    for _ in 0..<count {
      if let index = holders.firstIndex(of: task) {
        holders.remove(at: index)
      } else if !holders.isEmpty {
        holders.removeFirst()
      }
    }
    var woken: [Waiter] = []
    while let first = queue.first, taken + first.count <= permits {
      queue.removeFirst()
      grant(first.count, to: first.task)
      woken.append(first.waiter)
    }
    published.list(holders)
    published.publish(count: taken)
    lock.unlock()
    for waiter in woken { waiter.wake() }
  }

  /// With the lock held.
  private func grant(_ count: Int, to task: UInt64) {
    taken += count
    holders.append(contentsOf: repeatElement(task, count: count))
    published.list(holders)
    published.publish(count: taken)
  }
}
