import DeadtopABI
import DeadtopRuntimeC

/// Go's `sync.WaitGroup`, published to deadtop: the counter, the tasks that use it,
/// and, when every unit of work was started with `go`, exactly the member tasks it
/// still waits for (so a member stuck elsewhere makes the waiter certainly stuck). A
/// negative counter is Go's fatal error.
public final class WaitGroup: @unchecked Sendable {
  let lock = RuntimeLock()
  let published: PublishedResource
  private var counter = 0
  private var waiters: [Waiter] = []
  private var members: [UInt64] = []
  /// False once `add` is called directly: then who owes `done` is not known.
  private var tracksMembers = true

  public init(
    name: String? = nil, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    published = PublishedResource(
      kind: Int32(DT_RESOURCE_WAITGROUP), name: name, capacity: 0, flags: UInt32(DT_RESOURCE_MEMBERS),
      file: file, line: line, function: function)
    published.publish(count: 0)
    published.watchReferences(of: self)
  }

  deinit { published.release() }

  public var id: UInt64 { published.id }

  /// The counter (Go has no such accessor; deadtop shows it).
  public var count: Int { lock.withLock { counter } }

  public func add(
    _ delta: Int = 1, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask().pointee.id
    lock.lock()
    if tracksMembers && delta > 0 {
      tracksMembers = false
      published.set(flag: DT_RESOURCE_MEMBERS, false)
      published.list([])
    }
    if !tracksMembers { published.use(by: task) }
    change(by: delta, file: file, line: line, function: function)
  }

  public func done(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
    add(-1, file: file, line: line, function: function)
  }

  /// With the lock held: moves the counter, wakes the waiters at zero, unlocks.
  private func change(by delta: Int, file: StaticString, line: UInt, function: StaticString) {
    counter += delta
    if counter < 0 {
      lock.unlock()
      fatal("sync: negative WaitGroup counter", file: file, line: line, function: function)
    }
    var woken: [Waiter] = []
    if counter == 0 { swap(&woken, &waiters) }
    if tracksMembers { published.list(members) }
    published.publish(count: counter)
    lock.unlock()
    for waiter in woken { waiter.wake() }
  }

  /// Waits until the counter is zero.
  public func wait(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
    let task = currentTask()
    lock.lock()
    if !tracksMembers { published.use(by: task.pointee.id) }
    if counter == 0 {
      published.publish(count: counter)
      lock.unlock()
      return
    }
    let waiter = Waiter()
    waiters.append(waiter)
    published.publish(count: counter)
    let site = Runtime.shared.site(file, line, function)
    var wait = Runtime.shared.beginParkedWait(task, kind: Int32(DT_WAIT_WAITGROUP), target: id, site: site)
    lock.unlock()
    wait.park(on: waiter, spinningFor: lock.parkEstimate)
    wait.end()
  }

  /// Spawns a member task: the counter goes up now and down when `body` returns, and
  /// deadtop knows the task is one the waiters wait for.
  @discardableResult
  public func go(
    _ name: String, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: @escaping @Sendable () -> Void
  ) -> TaskHandle {
    lock.lock()
    change(by: 1, file: file, line: line, function: function)
    let work = OneShot(body)
    return spawn(name, file: file, line: line, function: function) { [self] in
      let task = currentTask().pointee.id
      lock.withLock {
        members.append(task)
        if tracksMembers {
          published.list(members)
          published.publish(count: counter)
        }
      }
      work.run()
      lock.lock()
      members.removeAll { $0 == task }
      change(by: -1, file: file, line: line, function: function)
    }
  }
}
