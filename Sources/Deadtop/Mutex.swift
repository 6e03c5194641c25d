import DeadtopABI
import DeadtopRuntimeC

#if canImport(Glibc)
  import Glibc
#endif

/// A mutual exclusion lock with Go's `sync.Mutex` semantics, published to deadtop.
///
/// Locking a mutex the task already holds blocks forever, as in Go: deadtop shows it
/// as a task waiting for itself. As in Go, any task may unlock a locked mutex (one task
/// locks, another unlocks): deadtop then shows it free, or held by whoever takes it
/// next. Unlocking a mutex that is not locked is a fatal error. Every operation records its call site for free (`#fileID`, `#line`,
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
      dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
      dt_lock_set_owner(word, task)
      return
    }
    let site = runtime.site(file, line, function)
    runtime.noteLockOrder(task, to: registration.lockClass, site: site, mode: UInt32(DT_HOLD_EXCLUSIVE))
    if dt_lock_try_any(word) == 0 { sleepUntilLocked(task, site: site) }
    dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
    // The owner is set once the hold is published, so that another task's unlock (Go
    // allows it) always finds the hold to release.
    dt_lock_set_owner(word, task)
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
    dt_task_push_hold(
      task, registration.id, runtime.site(file, line, function), UInt32(DT_HOLD_EXCLUSIVE),
      registration.lockClass)
    dt_lock_set_owner(word, task)
    return true
  }

  public func unlock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    if dt_lock_is_owned_by(word, task) != 0 {
      _ = dt_task_pop_hold(task, registration.id, UInt32(DT_HOLD_EXCLUSIVE))
    } else {
      unlockForAnother(file: file, line: line, function: function)
    }
    dt_lock_set_owner(word, nil)
    // As Go's Unlock: the release itself tells an unlocked mutex (two unlocks that raced).
    let before = dt_lock_release_returning_old(word)
    if before & DT_LOCK_LOCKED == 0 { misuseUnlocked(file: file, line: line, function: function) }
    if before != DT_LOCK_LOCKED && dt_lock_wake_one(word) != 0 {
      runtime.recordEvent(Int32(DT_EVENT_HANDOFF), task: task.pointee.id, target: registration.id)
    }
  }

  /// Go lets a task unlock a mutex another task locked: the hold leaves the holder's
  /// slot before the lock is free, so deadtop never shows two holders.
  @inline(never)
  private func unlockForAnother(file: StaticString, line: UInt, function: StaticString) {
    var owner = dt_lock_owner(word)
    while owner == nil {
      // Locked, with its new holder still publishing the hold: it sets the owner next.
      if dt_lock_is_locked(word) == 0 { misuseUnlocked(file: file, line: line, function: function) }
      sched_yield()
      owner = dt_lock_owner(word)
    }
    runtime.releaseHeld(by: owner!, resource: registration.id, mode: UInt32(DT_HOLD_EXCLUSIVE))
  }

  @inline(never)
  private func misuseUnlocked(file: StaticString, line: UInt, function: StaticString) -> Never {
    let label = name.map { "mutex \"\($0)\"" } ?? "mutex #\(id)"
    fatal("sync: unlock of unlocked mutex (\(label))", file: file, line: line, function: function)
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
