import DeadtopABI
import DeadtopRuntimeC

/// A reader/writer lock with Go's `sync.RWMutex` semantics, published to deadtop.
///
/// Writer-preferring: once a writer waits, new readers wait too, and the readers that
/// queued behind a writer enter as soon as that writer unlocks, before the next writer.
/// That is what makes the read-write-read deadlock real: a task that takes a read lock
/// again while a writer waits blocks forever. Read-locking and then write-locking the
/// same RWMutex also blocks forever. As in Go, any task may unlock it: a write lock
/// taken by another task, or a read lock (then deadtop releases the read lock held
/// longest by another task). Unlocking an unlocked RWMutex is fatal.
public final class RWMutex: @unchecked Sendable {
  private let state = RuntimeLock()
  private let registration: Runtime.ResourceRegistration
  /// `Runtime.shared`, kept here: the fast path then skips the global's once-check.
  private let runtime = Runtime.shared
  public var id: UInt64 { registration.id }
  public let name: String?

  // Guarded by `state`. Each holder's hold is published before it is counted here, so
  // that another task's unlock always finds it.
  private var writer: UnsafeMutablePointer<dt_task_slot>?
  private var readers = 0
  /// The tasks holding read locks, in the order they took them (one entry per lock).
  private var readerSlots: [UnsafeMutablePointer<dt_task_slot>] = []
  private var waitingWriters = 0
  private var blockedReaders = 0
  private var writeReleases: UInt64 = 0
  private var nextWriterTicket: UInt64 = 0
  private var servingWriterTicket: UInt64 = 0

  public init(name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
    self.name = name
    registration = Runtime.shared.registerResource(
      kind: Int32(DT_RESOURCE_RWMUTEX), name: name, file: file, line: line)
  }

  deinit { Runtime.shared.releaseResource(registration) }

  // MARK: Readers

  public func readLock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    let site = runtime.site(file, line, function)
    runtime.noteLockOrder(task, to: registration.lockClass, site: site, mode: UInt32(DT_HOLD_SHARED))
    runtime.noteReadLock(task, resource: registration.id, lockClass: registration.lockClass, site: site)
    state.lock()
    if writer == nil && waitingWriters == 0 {
      readers += 1
    } else {
      let since = runtime.beginWait(
        task, kind: Int32(DT_WAIT_READ_LOCK), target: registration.id, site: site)
      blockedReaders += 1
      let ticket = writeReleases
      // The unlocking writer counts us in `readers` before it wakes us.
      while writeReleases == ticket { state.wait() }
      runtime.endContendedWait(
        task, registration: registration, site: site, kind: Int32(DT_WAIT_READ_LOCK), since: since)
    }
    dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_SHARED), registration.lockClass)
    readerSlots.append(task)
    state.unlock()
  }

  public func tryReadLock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Bool {
    let task = currentTask()
    let site = runtime.site(file, line, function)
    return state.withLock {
      guard writer == nil && waitingWriters == 0 else { return false }
      readers += 1
      dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_SHARED), registration.lockClass)
      readerSlots.append(task)
      return true
    }
  }

  public func readUnlock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    let handsOver = state.withLock {
      // A read lock of this task that another unlocked is not its to unlock again.
      dt_task_drain_if_released_elsewhere(task)
      if dt_task_pop_hold(task, registration.id, UInt32(DT_HOLD_SHARED)) != 0 {
        if let mine = readerSlots.firstIndex(of: task) { readerSlots.remove(at: mine) }
      } else {
        // Go lets any task unlock a read lock: release the one held longest.
        guard let other = readerSlots.first else {
          fatal("sync: RUnlock of unlocked RWMutex (\(label))", file: file, line: line, function: function)
        }
        readerSlots.removeFirst()
        runtime.releaseHeld(by: other, resource: registration.id, mode: UInt32(DT_HOLD_SHARED))
      }
      readers -= 1
      guard readers == 0 && waitingWriters > 0 else { return false }
      state.broadcast()
      return true
    }
    if handsOver {
      runtime.recordEvent(Int32(DT_EVENT_HANDOFF), task: task.pointee.id, target: registration.id)
    }
  }

  // MARK: Writers

  public func lock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    let site = runtime.site(file, line, function)
    runtime.noteLockOrder(
      task, to: registration.lockClass, site: site, mode: UInt32(DT_HOLD_EXCLUSIVE))
    runtime.noteWriteLock(task, lockClass: registration.lockClass, site: site)
    state.lock()
    let ticket = nextWriterTicket
    nextWriterTicket += 1
    waitingWriters += 1
    if !(writer == nil && readers == 0 && servingWriterTicket == ticket) {
      let since = runtime.beginWait(
        task, kind: Int32(DT_WAIT_WRITE_LOCK), target: registration.id, site: site)
      while !(writer == nil && readers == 0 && servingWriterTicket == ticket) { state.wait() }
      runtime.endContendedWait(
        task, registration: registration, site: site, kind: Int32(DT_WAIT_WRITE_LOCK), since: since)
    }
    waitingWriters -= 1
    dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
    writer = task
    state.unlock()
  }

  public func tryLock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Bool {
    let task = currentTask()
    let site = runtime.site(file, line, function)
    let acquired = state.withLock {
      guard writer == nil && readers == 0 && waitingWriters == 0 else { return false }
      nextWriterTicket += 1
      dt_task_push_hold(task, registration.id, site, UInt32(DT_HOLD_EXCLUSIVE), registration.lockClass)
      writer = task
      return true
    }
    if acquired { runtime.noteWriteLock(task, lockClass: registration.lockClass, site: site) }
    return acquired
  }

  public func unlock(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    let task = currentTask()
    let handsOver = state.withLock {
      guard let holder = writer else {
        fatal("sync: Unlock of unlocked RWMutex (\(label))", file: file, line: line, function: function)
      }
      if holder == task {
        _ = dt_task_pop_hold(task, registration.id, UInt32(DT_HOLD_EXCLUSIVE))
      } else {
        // Go lets any task unlock it.
        runtime.releaseHeld(by: holder, resource: registration.id, mode: UInt32(DT_HOLD_EXCLUSIVE))
      }
      writer = nil
      servingWriterTicket += 1
      // Readers that queued behind this writer enter before the next writer.
      let waiting = blockedReaders > 0 || waitingWriters > 0
      readers += blockedReaders
      blockedReaders = 0
      writeReleases += 1
      state.broadcast()
      return waiting
    }
    if handsOver {
      runtime.recordEvent(Int32(DT_EVENT_HANDOFF), task: task.pointee.id, target: registration.id)
    }
  }

  // MARK: Scoped forms

  public func withReadLock<T>(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: () throws -> T
  ) rethrows -> T {
    readLock(file: file, line: line, function: function)
    defer { readUnlock(file: file, line: line, function: function) }
    return try body()
  }

  public func withLock<T>(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: () throws -> T
  ) rethrows -> T {
    lock(file: file, line: line, function: function)
    defer { unlock(file: file, line: line, function: function) }
    return try body()
  }

  private var label: String { name.map { "rwmutex \"\($0)\"" } ?? "rwmutex #\(id)" }
}
