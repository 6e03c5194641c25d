import DeadtopABI
import DeadtopRuntimeC

/// A mutual exclusion lock with Go's `sync.Mutex` semantics, published to deadtop.
///
/// Locking a mutex the task already holds blocks forever, as in Go: deadtop shows it
/// as a task waiting for itself. Unlocking a mutex the task does not hold is a fatal
/// error. Every operation records its call site for free (`#fileID`, `#line`,
/// `#function`); the uncontended path is a compare-and-swap and a few stores into the
/// task's own slot.
public final class Mutex: @unchecked Sendable {
  let word: UnsafeMutablePointer<dt_lock>
  let registration: Runtime.ResourceRegistration
  /// `Runtime.shared`, kept here: the fast path then skips the global's once-check.
  let runtime = Runtime.shared
  /// The resource id deadtop shows; never reused within the process.
  public var id: UInt64 { registration.id }
  public let name: String?

  public init(name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
    word = .allocate(capacity: 1)
    word.initialize(to: dt_lock())
    self.name = name
    registration = Runtime.shared.registerResource(
      kind: Int32(DT_RESOURCE_MUTEX), name: name, file: file, line: line)
  }

  deinit {
    runtime.releaseResource(registration)
    word.deallocate()
  }

  // The call site of the last acquisition, read and written only by the holder: a lock
  // taken again from the same place skips the runtime's site table.
  @exclusivity(unchecked) private var lastFile: UnsafeRawPointer?
  @exclusivity(unchecked) private var lastFunction: UnsafeRawPointer?
  @exclusivity(unchecked) private var lastLine: UInt = 0
  @exclusivity(unchecked) private var lastSite: UInt32 = 0

  public func lock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    // Holding nothing, there is no lock order to record before trying.
    if task.pointee.held_count == 0 && dt_lock_try(word) != 0 {
      let site = holderSite(file, line, function)
      dt_lock_set_owner(word, task.pointee.id)
      dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
      return
    }
    let site = runtime.site(file, line, function)
    runtime.noteLockOrder(task, to: registration.lockClass, site: site, mode: UInt32(DT_HOLD_EXCLUSIVE))
    if dt_lock_try_any(word) == 0 { sleepUntilLocked(task, site: site) }
    dt_lock_set_owner(word, task.pointee.id)
    dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
  }

  /// The site reference for a call site, from the last acquisition's when it is the same
  /// place. Only the holder calls it.
  @inline(__always)
  private func holderSite(_ file: StaticString, _ line: UInt, _ function: StaticString) -> UInt32 {
    let filePointer = UnsafeRawPointer(file.utf8Start)
    let functionPointer = UnsafeRawPointer(function.utf8Start)
    if line == lastLine && filePointer == lastFile && functionPointer == lastFunction && lastSite != 0 {
      return lastSite
    }
    let site = runtime.site(file, line, function)
    (lastFile, lastFunction, lastLine, lastSite) = (filePointer, functionPointer, line, site)
    return site
  }

  @inline(never)
  private func sleepUntilLocked(_ task: UnsafeMutablePointer<dt_task_slot>, site: UInt32) {
    let since = runtime.beginWait(
      task, kind: Int32(DT_WAIT_MUTEX), target: registration.id, site: site)
    dt_lock_wait(word)
    runtime.endContendedWait(
      task, registration: registration, site: site, kind: Int32(DT_WAIT_MUTEX), since: since)
  }

  /// Takes the lock if it is free; never blocks.
  public func tryLock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Bool {
    guard dt_lock_try_any(word) != 0 else { return false }
    let task = currentTask()
    dt_lock_set_owner(word, task.pointee.id)
    dt_task_push_hold(
      task, registration.id, runtime.site(file, line, function), UInt32(DT_HOLD_EXCLUSIVE),
      registration.lockClass)
    return true
  }

  public func unlock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    let owner = dt_lock_owner(word)
    if owner != task.pointee.id {
      misuse(owner: owner, file: file, line: line, function: function)
    }
    dt_lock_set_owner(word, 0)
    _ = dt_task_pop_hold(task, registration.id, UInt32(DT_HOLD_EXCLUSIVE))
    if dt_lock_release(word) != 0 && dt_lock_wake_one(word) != 0 {
      runtime.recordEvent(Int32(DT_EVENT_HANDOFF), task: task.pointee.id, target: registration.id)
    }
  }

  @inline(never)
  private func misuse(owner: UInt64, file: StaticString, line: UInt, function: StaticString)
    -> Never
  {
    let label = name.map { "mutex \"\($0)\"" } ?? "mutex #\(id)"
    if owner == 0 {
      fatal("sync: unlock of unlocked mutex (\(label))", file: file, line: line, function: function)
    }
    fatal(
      "sync: unlock of \(label) by a task that does not hold it (held by task \(owner))",
      file: file, line: line, function: function)
  }

  /// Runs `body` with the lock held.
  public func withLock<T>(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: () throws -> T
  ) rethrows -> T {
    lock(file: file, line: line, function: function)
    defer { unlock(file: file, line: line, function: function) }
    return try body()
  }
}
