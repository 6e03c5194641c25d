import DeadtopABI
import DeadtopRuntimeC

/// Go's `context.Context`: a done channel that is closed when the context is cancelled,
/// by its cancel function, by its parent, or at its deadline. A task blocked on a
/// context with a deadline is never stuck; one without is stuck once nobody who can
/// cancel it remains (deadtop counts the references to the context).
public final class Context: @unchecked Sendable {
  public enum Failure: Error, Equatable, Sendable {
    case canceled
    case deadlineExceeded
  }

  /// Closed on cancellation: receive from it, or select on `.receive(context.done)`.
  public let done: Channel<Void>
  /// When the context ends by itself, on the monotonic clock, if ever.
  public let deadline: UInt64?
  private let lock = PlatformLock()
  private var failure: Failure?
  private var children: [Context] = []
  private let parent: Context?
  /// The parent, unless it is the background (never cancelled), for the sampler's walk:
  /// no reference is taken, so none is counted.
  private let cancellableParent: Unmanaged<Context>?
  /// Live contexts made from this one: each holds it as its parent.
  private let childLinks = LoneCounter()

  /// The root context: never cancelled.
  public static let background = Context(
    parent: nil, deadline: nil, name: "background", file: #fileID, line: #line)

  private init(
    parent: Context?, deadline: UInt64?, name: String, file: StaticString, line: UInt,
    function: StaticString = ""
  ) {
    self.parent = parent
    // Only the background has no parent.
    cancellableParent = parent.flatMap { $0.parent == nil ? nil : Unmanaged.passUnretained($0) }
    let inherited = [deadline, parent?.deadline].compactMap { $0 }.min()
    self.deadline = inherited
    done = Channel(
      capacity: 0, name: name, clockDriven: inherited != nil, referencesOf: nil, file: file, line: line,
      function: function)
    cancellableParent?.takeUnretainedValue().childLinks.add(1)
    // Whoever can cancel an ancestor can end this context too.
    done.published.furtherReferences = { [unowned(unsafe) self] in self.referencesToAncestors() }
    done.published.watchReferences(of: self, isOwner: true)
  }

  deinit {
    // Before the fields go: the sampler walks them under the registry lock.
    done.published.stopWatchingReferences()
    cancellableParent?.takeUnretainedValue().childLinks.subtract(1)
  }

  /// The references to this context's cancellable ancestors other than their children's
  /// parent links and their parents' lists: tasks, cancel functions or objects that can
  /// still cancel one of them, and with it this context.
  private func referencesToAncestors() -> Int {
    var total = 0
    var next = cancellableParent
    while let link = next {
      next = link._withUnsafeGuaranteedRef { ancestor in
        let own =
          swiftRetainCount(link.toOpaque()) - ancestor.done.published.heldByRuntime.value
          - ancestor.childLinks.value
        total += max(0, own)
        return ancestor.cancellableParent
      }
    }
    return total
  }

  /// Why it ended: nil while it is live.
  public var error: Failure? { lock.withLock { failure } }
  public var isCancelled: Bool { error != nil }

  /// A child cancelled by `cancel()` (call it when done, as in Go) or with its parent.
  public static func withCancel(
    _ parent: Context = .background, name: String = "context", file: StaticString = #fileID,
    line: UInt = #line, function: StaticString = #function
  ) -> (context: Context, cancel: @Sendable () -> Void) {
    makeChild(of: parent, deadline: nil, name: name, file: file, line: line, function: function)
  }

  /// A child that is also cancelled `seconds` from now.
  public static func withTimeout(
    _ parent: Context = .background, seconds: Double, name: String = "context with timeout",
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> (context: Context, cancel: @Sendable () -> Void) {
    let deadline = dt_monotonic_ns() + UInt64(max(0, seconds) * 1e9)
    let made = makeChild(
      of: parent, deadline: deadline, name: name, file: file, line: line, function: function)
    let context = made.context
    Timers.shared.schedule(in: seconds) { [weak context] in
      Runtime.shared.timeouts.add(1, ordering: .relaxed)
      context?.end(.deadlineExceeded, by: 0)
    }
    return made
  }

  private static func makeChild(
    of parent: Context, deadline: UInt64?, name: String, file: StaticString, line: UInt,
    function: StaticString
  ) -> (context: Context, cancel: @Sendable () -> Void) {
    let child = Context(
      parent: parent, deadline: deadline, name: name, file: file, line: line, function: function)
    let failure = parent.lock.withLock {
      // Background is never cancelled: its children need no list (nor does Go keep one).
      if parent.failure == nil && parent !== Context.background {
        parent.children.append(child)
        child.done.published.heldByRuntime.add(1)  // the list's reference
      }
      return parent.failure
    }
    if let failure { child.end(failure, by: 0) }
    return (child, { [child] in child.end(.canceled, by: currentTask().pointee.id) })
  }

  /// Ends this context and its children once; `task` 0 is the runtime's timer.
  func end(_ reason: Failure, by task: UInt64) {
    let children: [Context]? = lock.withLock {
      guard failure == nil else { return nil }
      failure = reason
      defer { self.children = [] }
      return self.children
    }
    guard let children else { return }
    done.close(by: task, file: #fileID, line: #line, function: "cancel")
    for child in children {
      child.done.published.heldByRuntime.subtract(1)
      child.end(reason, by: task)
    }
    parent?.lock.withLock {
      guard let parent, let index = parent.children.firstIndex(where: { $0 === self }) else { return }
      parent.children.remove(at: index)
      done.published.heldByRuntime.subtract(1)
    }
  }
}

/// errgroup: tasks that share a context; the first to fail cancels the others, and
/// `wait` returns its error once all have ended. deadtop knows the members.
public final class ErrorGroup: @unchecked Sendable {
  public let context: Context
  private let cancel: @Sendable () -> Void
  private let group: WaitGroup
  private let lock = PlatformLock()
  private var firstError: (any Error)?

  public init(
    _ parent: Context = .background, name: String = "errgroup", file: StaticString = #fileID,
    line: UInt = #line
  ) {
    (context, cancel) = Context.withCancel(parent, name: "\(name) context", file: file, line: line)
    group = WaitGroup(name: name, file: file, line: line)
  }

  /// Starts a member; a thrown error is the group's if it is the first, and cancels it.
  public func go(
    _ name: String, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function,
    _ body: @escaping @Sendable (Context) throws -> Void
  ) {
    let work = OneShot(body)
    group.go(name, file: file, line: line, function: function) { [self] in
      do {
        try work.take()(context)
      } catch {
        lock.withLock { if firstError == nil { firstError = error } }
        cancel()
      }
    }
  }

  /// Waits for every member; cancels the context; returns the first error, if any.
  @discardableResult
  public func wait(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> (any Error)? {
    group.wait(file: file, line: line, function: function)
    cancel()
    return lock.withLock { firstError }
  }
}
