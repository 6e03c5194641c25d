import DeadtopABI
import DeadtopRuntimeC
import Synchronization

/// Go's `sync.Once`: `once.do { … }` runs its body the first time only. A caller that
/// comes while the body runs waits until it has returned, so no caller returns before the
/// value is ready. deadtop shows the task running the body as holding the once and the
/// callers as waiting for it: a body that calls `do` on its own once (in Go, a deadlock)
/// is a task waiting for itself, and a body that waits for a task which calls `do` is a
/// cycle. A body that throws counts as run, as a panicking one does in Go.
///
/// For lock-order prediction a once is a lock: its body runs holding it, and every `do`
/// takes it, even once it has run. A task that calls `do` holding mutex L, where the
/// body locks L, deadlocks whenever it is the first caller (on itself) or comes while
/// another task runs the body: a run where the body happened to run first predicts it.
public final class Once: @unchecked Sendable {
  private let done = Atomic<Bool>(false)
  private let lock = RuntimeLock()
  private let registration: Runtime.ResourceRegistration
  // Guarded by `lock`: the task running the body (0: none), and the callers waiting.
  private var runner: UInt64 = 0
  private var waiters: [Waiter] = []
  public let name: String?
  /// The resource id deadtop shows.
  public var id: UInt64 { registration.id }

  public init(name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
    self.name = name
    registration = Runtime.shared.registerResource(
      kind: Int32(DT_RESOURCE_ONCE), name: name, file: file, line: line)
  }

  deinit { Runtime.shared.releaseResource(registration) }

  /// Whether the body has run.
  public var hasRun: Bool { done.load(ordering: .acquiring) }

  public func `do`(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: () throws -> Void
  ) rethrows {
    if done.load(ordering: .acquiring) {
      // Taking it now would not wait, but the same call coming first would run the body.
      let task = currentTask()
      if task.pointee.held_count != 0 {
        Runtime.shared.noteLockOrder(
          task, to: registration.lockClass, site: Runtime.shared.site(file, line, function),
          mode: UInt32(DT_HOLD_EXCLUSIVE))
      }
      return
    }
    let task = currentTask()
    let site = Runtime.shared.site(file, line, function)
    Runtime.shared.noteLockOrder(
      task, to: registration.lockClass, site: site, mode: UInt32(DT_HOLD_EXCLUSIVE))
    lock.lock()
    if done.load(ordering: .relaxed) { return lock.unlock() }
    if runner != 0 {
      // The body is running, perhaps in this very task: wait for it, as Go does.
      let waiter = Waiter()
      waiters.append(waiter)
      var wait = Runtime.shared.beginParkedWait(task, kind: Int32(DT_WAIT_ONCE), target: id, site: site)
      lock.unlock()
      wait.park(on: waiter, spinningFor: lock.parkEstimate)
      wait.end()
      return
    }
    runner = task.pointee.id
    lock.unlock()
    dt_task_push_hold(task, id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
    defer { finish(task) }
    try body()
  }

  private func finish(_ task: UnsafeMutablePointer<dt_task_slot>) {
    _ = dt_task_pop_hold(task, id, UInt32(DT_HOLD_EXCLUSIVE))
    lock.lock()
    done.store(true, ordering: .releasing)
    runner = 0
    for waiter in waiters { lock.wakeAfterUnlock(waiter) }
    waiters.removeAll()
    lock.unlock()
  }
}
