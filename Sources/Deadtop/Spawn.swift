import DeadtopABI
import DeadtopRuntimeC

#if canImport(Glibc)
  import Glibc
#endif

/// Starts `body` on a new thread as a named task, like Go's `go` statement. The task
/// is published at once; when `body` returns it is shown as ended, and its slot is
/// reused later. Locks it still holds stay held, as in Go.
@discardableResult
public func spawn(
  _ name: String, file: StaticString = #fileID, line: UInt = #line,
  function: StaticString = #function, _ body: @escaping @Sendable () -> Void
) -> TaskHandle {
  spawn(
    name, site: Runtime.shared.site(file, line, function), parent: currentTask().pointee.id, body,
    orFail: { fatal($0, file: file, line: line, function: function) })
}

/// Starts a task for `parent` (the timer thread, which is no task, starts one for the
/// task that armed it).
@discardableResult
func spawn(
  _ name: String, site: UInt32, parent: UInt64, _ body: @escaping @Sendable () -> Void,
  orFail fail: (String) -> Never
) -> TaskHandle {
  let handle = TaskHandle(name: name)
  let start = SpawnRequest(name: name, site: site, parent: parent, handle: handle, body: body)
  var thread = pthread_t()
  var attributes = pthread_attr_t()
  pthread_attr_init(&attributes)
  pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
  let context = Unmanaged.passRetained(start).toOpaque()
  let result = pthread_create(&thread, &attributes, runSpawnedTask, context)
  pthread_attr_destroy(&attributes)
  if result != 0 {
    Unmanaged<SpawnRequest>.fromOpaque(context).release()
    fail("spawn \"\(name)\": cannot create a thread (error \(result))")
  }
  handle.waitUntilStarted()
  return handle
}

/// A spawned task: its id, and a join that deadtop sees as a wait.
public final class TaskHandle: @unchecked Sendable {
  public let name: String
  private let state = PlatformLock()
  private var taskID: UInt64 = 0
  private var ended = false

  init(name: String) { self.name = name }

  /// The task id deadtop shows.
  public var id: UInt64 { state.withLock { taskID } }

  public var isFinished: Bool { state.withLock { ended } }

  /// Waits until the task has ended. Any number of tasks may join it.
  public func join(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    state.lock()
    defer { state.unlock() }
    if ended { return }
    let task = currentTask()
    let site = Runtime.shared.site(file, line, function)
    let since = Runtime.shared.beginWait(task, kind: Int32(DT_WAIT_JOIN), target: taskID, site: site)
    while !ended { state.wait() }
    dt_task_end_wait(task)
    Runtime.shared.recordEvent(
      Int32(DT_EVENT_WAKE), task: task.pointee.id, target: taskID, site: site, detail: UInt32(DT_WAIT_JOIN),
      duration: dt_monotonic_ns() - since)
  }

  func started(as id: UInt64) {
    state.withLock {
      taskID = id
      state.broadcast()
    }
  }

  func waitUntilStarted() {
    state.withLock { while taskID == 0 { state.wait() } }
  }

  func finished() {
    state.withLock {
      ended = true
      state.broadcast()
    }
  }
}

private final class SpawnRequest {
  let name: String
  let site: UInt32
  let parent: UInt64
  let handle: TaskHandle
  /// Taken out before it runs (see `runSpawnedTask`).
  var body: (@Sendable () -> Void)?

  init(name: String, site: UInt32, parent: UInt64, handle: TaskHandle, body: @escaping @Sendable () -> Void) {
    self.name = name
    self.site = site
    self.parent = parent
    self.handle = handle
    self.body = body
  }
}

private func runSpawnedTask(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  let request = Unmanaged<SpawnRequest>.fromOpaque(context!).takeRetainedValue()
  dt_set_thread_name(request.name)
  let slot = Runtime.shared.registerCurrentThread(
    name: request.name, spawnSite: request.site, parent: request.parent)
  request.handle.started(as: slot.pointee.id)
  Runtime.shared.recordEvent(
    Int32(DT_EVENT_SPAWN), task: request.parent, target: slot.pointee.id, site: request.site)
  // Moved out, not copied: a closure whose only capture is an object uses that object as
  // its context, and a copy held for the call would count as a second reference to it.
  let body = request.body.take()!
  body()
  Runtime.shared.markEnded(slot)
  request.handle.finished()
  return nil
}

/// A closure run once, moved out of its box to run. A copy held for the call would, for
/// a closure whose only capture is an object (which is then its context), count as a
/// second reference to that object; deadtop's reference counts rely on one.
final class OneShot<Body>: @unchecked Sendable {
  private var body: Body?

  init(_ body: Body) { self.body = body }

  func take() -> Body { body.take()! }
}

extension OneShot where Body == @Sendable () -> Void {
  func run() { take()() }
}
