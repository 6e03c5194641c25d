// What the runtime recorded over time: lock orders, scheduler records, blocking events.

/// Locks that play the same role: one name, or one creation site.
public struct LockClass: Sendable, Hashable {
  /// What makes locks one class: a name they share, or the site that created them.
  public enum Identity: Sendable, Hashable {
    case name(String)
    /// Unnamed locks made at one call site.
    case createdAt(CallSite)
    /// A class whose name or site could not be read: its reference in the segment.
    case unknown(UInt32)
  }

  public var key: UInt32
  /// `.mutex` or `.rwMutex`.
  public var kind: ResourceInfo.Kind
  public var identity: Identity

  public init(key: UInt32, kind: ResourceInfo.Kind, identity: Identity) {
    self.key = key
    self.kind = kind
    self.identity = identity
  }

  /// A named class: `LockClass(key: 1, name: "accounts")`.
  public init(key: UInt32, kind: ResourceInfo.Kind = .mutex, name: String) {
    self.init(key: key, kind: kind, identity: .name(name))
  }
}

/// Some task acquired `to` while holding `from`.
/// An order in which some task took two lock classes. Two kinds of edge from a class to
/// itself are facts, not orders (the runtime never records nesting within one class):
/// exclusive both ways, the class is write-locked somewhere; shared both ways, a task
/// took a read lock of one RWMutex while holding a read lock of that same one.
public struct LockOrderEdge: Sendable, Equatable {
  public var from: LockClass
  public var to: LockClass
  /// Where the held lock was acquired.
  public var fromSite: CallSite?
  /// Where the second lock was acquired.
  public var toSite: CallSite?
  public var fromMode: HoldMode
  public var toMode: HoldMode
  /// The first task seen doing it.
  public var task: TaskID

  public init(
    from: LockClass, to: LockClass, fromSite: CallSite? = nil, toSite: CallSite? = nil,
    fromMode: HoldMode = .exclusive, toMode: HoldMode = .exclusive, task: TaskID = 0
  ) {
    self.from = from
    self.to = to
    self.fromSite = fromSite
    self.toSite = toSite
    self.fromMode = fromMode
    self.toMode = toMode
    self.task = task
  }
}

extension LockOrderEdge {
  /// An edge from a class to itself: a fact about the class, not an order.
  public var isFact: Bool { from.key == to.key }
  /// The class is write-locked somewhere.
  public var marksWriteLocked: Bool { isFact && fromMode == .exclusive && toMode == .exclusive }
  /// A task re-took a read lock of one RWMutex while holding it (`fromSite`, then `toSite`).
  public var isRecursiveRead: Bool { isFact && fromMode == .shared && toMode == .shared }
}

/// One interval of the runtime's scheduler trace (Go's GODEBUG=schedtrace).
public struct SchedRecord: Sendable, Equatable {
  /// On the process's monotonic clock.
  public var timeNanoseconds: UInt64
  /// `SCHED 3000ms: tasks=5 running=1 …`, the same line the runtime prints.
  public var line: String
  public var tasks: Int
  public var running: Int
  public var blocked: Int
  public var acquisitions: UInt64
  public var contended: UInt64
  public var blocks: UInt64
  public var intervalNanoseconds: UInt64

  public init(
    timeNanoseconds: UInt64, line: String, tasks: Int = 0, running: Int = 0, blocked: Int = 0,
    acquisitions: UInt64 = 0, contended: UInt64 = 0, blocks: UInt64 = 0, intervalNanoseconds: UInt64 = 0
  ) {
    self.timeNanoseconds = timeNanoseconds
    self.line = line
    self.tasks = tasks
    self.running = running
    self.blocked = blocked
    self.acquisitions = acquisitions
    self.contended = contended
    self.blocks = blocks
    self.intervalNanoseconds = intervalNanoseconds
  }
}

/// A blocking event from the runtime's ring (go tool trace's blocking events).
public struct Event: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    case block, wake
    case handoff = "hand-off"
    case spawn, exit, close, timeout
  }
  public var kind: Kind
  public var timeNanoseconds: UInt64
  public var task: TaskID
  /// A resource, or a task for joins and spawns.
  public var target: UInt64
  public var site: CallSite?
  public var waitKind: Wait.Kind?
  public var durationNanoseconds: UInt64

  public init(
    kind: Kind, timeNanoseconds: UInt64, task: TaskID, target: UInt64 = 0, site: CallSite? = nil,
    waitKind: Wait.Kind? = nil, durationNanoseconds: UInt64 = 0
  ) {
    self.kind = kind
    self.timeNanoseconds = timeNanoseconds
    self.task = task
    self.target = target
    self.site = site
    self.waitKind = waitKind
    self.durationNanoseconds = durationNanoseconds
  }
}
