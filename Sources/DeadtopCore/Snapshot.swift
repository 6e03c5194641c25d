/// A point-in-time picture of a process: plain values, no I/O. Every source (the
/// shared-memory segment, `/proc`, a recording) produces one; analysis and every
/// report consume one.
public struct Snapshot: Sendable, Equatable {
  public var process: ProcessSummary
  /// When the snapshot was taken, in nanoseconds of the process's monotonic clock.
  public var takenAtNanoseconds: UInt64
  public var tasks: [TaskInfo] { didSet { taskIndex = Self.index(tasks) } }
  public var resources: [ResourceInfo] { didSet { resourceIndex = Self.index(resources) } }
  /// Positions by id, so that lookups stay constant-time on 10,000 tasks.
  private var taskIndex: [TaskID: Int]
  private var resourceIndex: [ResourceID: Int]
  public var counters: Counters
  /// Things a reader should know: a full table, slots that could not be read.
  public var warnings: [String]
  /// Every order in which some task took two lock classes (runtime only).
  public var lockOrder: [LockOrderEdge] = []
  /// The sampler's records, oldest first (runtime only).
  public var schedtrace: [SchedRecord] = []
  /// The recent blocking events, oldest first (runtime only).
  public var events: [Event] = []
  /// Contention per call site, for the sites that ever waited.
  public var siteContention: [SiteContention] = []
  /// Bumped by the runtime's sampler; 0 when none runs.
  public var heartbeat: UInt64 = 0

  public init(
    process: ProcessSummary, takenAtNanoseconds: UInt64, tasks: [TaskInfo],
    resources: [ResourceInfo], counters: Counters = Counters(), warnings: [String] = []
  ) {
    self.process = process
    self.takenAtNanoseconds = takenAtNanoseconds
    self.tasks = tasks
    self.resources = resources
    self.taskIndex = Self.index(tasks)
    self.resourceIndex = Self.index(resources)
    self.counters = counters
    self.warnings = warnings
  }

  public func task(_ id: TaskID) -> TaskInfo? { taskIndex[id].map { tasks[$0] } }
  /// Where the task is in `tasks`.
  public func position(of id: TaskID) -> Int? { taskIndex[id] }
  public func resource(_ id: ResourceID) -> ResourceInfo? { resourceIndex[id].map { resources[$0] } }
  /// Where the resource is in `resources`.
  public func position(ofResource id: ResourceID) -> Int? { resourceIndex[id] }

  private static func index<Item: Identifiable>(_ items: [Item]) -> [Item.ID: Int] {
    var index: [Item.ID: Int] = [:]
    index.reserveCapacity(items.count)
    for (position, item) in items.enumerated() where index[item.id] == nil { index[item.id] = position }
    return index
  }

  /// Seconds since `nanoseconds` (a time on the process's monotonic clock).
  public func seconds(since nanoseconds: UInt64) -> Double {
    takenAtNanoseconds > nanoseconds ? Double(takenAtNanoseconds - nanoseconds) / 1e9 : 0
  }
}

/// Anything that turns a live process into snapshots: its segment, /proc, a demo child.
public protocol SnapshotSource: AnyObject {
  var pid: Int32 { get }
  /// Throws once the process has gone.
  func snapshot() throws -> Snapshot
}

public typealias TaskID = UInt64
public typealias ResourceID = UInt64

public struct ProcessSummary: Sendable, Equatable {
  public enum Source: String, Sendable, Equatable { case runtime, proc, recording }
  public var pid: Int32
  public var name: String
  public var source: Source
  public var abiVersion: UInt32
  /// Process start on the monotonic clock, for uptime.
  public var startedAtNanoseconds: UInt64

  public init(
    pid: Int32, name: String, source: Source, abiVersion: UInt32 = 0,
    startedAtNanoseconds: UInt64 = 0
  ) {
    self.pid = pid
    self.name = name
    self.source = source
    self.abiVersion = abiVersion
    self.startedAtNanoseconds = startedAtNanoseconds
  }
}

public struct CallSite: Sendable, Hashable {
  public var file: String
  public var line: UInt32
  public var function: String

  public init(file: String, line: UInt32, function: String) {
    self.file = file
    self.line = line
    self.function = function
  }

  /// `Demo/ABBA.swift:31 in run()`
  public var description: String {
    function.isEmpty ? "\(file):\(line)" : "\(file):\(line) in \(function)"
  }
}

public enum TaskState: String, Sendable, Equatable, CaseIterable {
  case running, blocked, ended
}

public enum HoldMode: String, Sendable, Equatable {
  /// A mutex or a write lock.
  case exclusive
  /// A read lock.
  case shared
}

public struct Hold: Sendable, Equatable {
  public var resource: ResourceID
  public var mode: HoldMode
  public var site: CallSite?

  public init(resource: ResourceID, mode: HoldMode, site: CallSite? = nil) {
    self.resource = resource
    self.mode = mode
    self.site = site
  }
}

public struct Wait: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable {
    case mutex
    case readLock = "read-lock"
    case writeLock = "write-lock"
    case join
    /// A futex wait whose owner cannot be known (a condition variable, a semaphore, …),
    /// seen through /proc: it can always progress as far as deadtop knows.
    case futex
    case send
    case receive
    /// A select: `cases` lists what it waits on.
    case select
    case waitGroup = "waitgroup"
    case cond
    case semaphore
    /// Ends by itself.
    case sleep
  }
  /// One case of a select.
  public struct Case: Sendable, Equatable {
    public enum Operation: String, Sendable { case send, receive }
    public var resource: ResourceID
    public var operation: Operation

    public init(resource: ResourceID, operation: Operation) {
      self.resource = resource
      self.operation = operation
    }
  }
  public enum Target: Sendable, Equatable, Hashable {
    case resource(ResourceID)
    case task(TaskID)
  }

  public var kind: Kind
  public var target: Target
  public var sinceNanoseconds: UInt64
  /// Identifies this wait episode; also the order in which waiters queued.
  public var sequence: UInt64
  public var site: CallSite?
  /// A select's cases (a plain send or receive has its channel as `target`).
  public var cases: [Case] = []
  /// The select has more cases than the runtime could list.
  public var unlistedCases = false
  /// When the wait ends by itself (a timeout, a sleep), on the process's monotonic clock.
  public var deadlineNanoseconds: UInt64?
  /// A receive by a `for value in channel` loop.
  public var iterating = false

  public init(
    kind: Kind, target: Target, sinceNanoseconds: UInt64 = 0, sequence: UInt64 = 0,
    site: CallSite? = nil, cases: [Case] = [], deadlineNanoseconds: UInt64? = nil, iterating: Bool = false
  ) {
    self.kind = kind
    self.target = target
    self.sinceNanoseconds = sinceNanoseconds
    self.sequence = sequence
    self.site = site
    self.cases = cases
    self.deadlineNanoseconds = deadlineNanoseconds
    self.iterating = iterating
  }

  /// Every channel (or other resource) the wait is on.
  public var resources: [ResourceID] {
    if !cases.isEmpty {
      var seen = Set<ResourceID>()
      return cases.map(\.resource).filter { seen.insert($0).inserted }  // a select may name one twice
    }
    if case .resource(let resource) = target, resource != 0 { return [resource] }
    return []
  }
}

public struct TaskInfo: Sendable, Equatable, Identifiable {
  public var id: TaskID
  public var osThreadID: Int32
  public var name: String
  public var state: TaskState
  public var wait: Wait?
  public var holds: [Hold]
  /// Holds the runtime counted but could not list (more than its per-task room).
  public var unlistedHolds: Int
  public var spawnSite: CallSite?
  public var parent: TaskID?
  public var createdAtNanoseconds: UInt64
  public var endedAtNanoseconds: UInt64?
  /// True when the reader could not get a consistent copy and kept the previous one.
  public var stale: Bool
  /// What the source adds in words: the kernel's view of a thread read through /proc
  /// ("sleeping in nanosleep", "disk wait").
  public var detail: String?
  /// CPU time used so far, when the source knows it.
  public var cpuSeconds: Double?
  /// The thread's stack, innermost frame first, when it was collected (`--stacks`).
  public var stack: [String] = []

  public init(
    id: TaskID, osThreadID: Int32 = 0, name: String, state: TaskState, wait: Wait? = nil,
    holds: [Hold] = [], unlistedHolds: Int = 0, spawnSite: CallSite? = nil,
    parent: TaskID? = nil, createdAtNanoseconds: UInt64 = 0, endedAtNanoseconds: UInt64? = nil,
    stale: Bool = false, detail: String? = nil, cpuSeconds: Double? = nil
  ) {
    self.id = id
    self.osThreadID = osThreadID
    self.name = name
    self.state = state
    self.wait = state == .blocked ? wait : nil
    self.holds = holds
    self.unlistedHolds = unlistedHolds
    self.spawnSite = spawnSite
    self.parent = parent
    self.createdAtNanoseconds = createdAtNanoseconds
    self.endedAtNanoseconds = endedAtNanoseconds
    self.stale = stale
    self.detail = detail
    self.cpuSeconds = cpuSeconds
  }
}

public struct ResourceInfo: Sendable, Equatable, Identifiable {
  public enum Kind: String, Sendable, Equatable {
    case mutex
    case rwMutex = "rwmutex"
    /// A futex word of unknown type, seen through /proc.
    case futex
    case channel
    case waitGroup = "waitgroup"
    case cond
    case semaphore

    /// A channel, WaitGroup, Cond or semaphore: state beyond holders.
    public var isSynchronizer: Bool { ![.mutex, .rwMutex, .futex].contains(self) }
  }
  public var id: ResourceID
  public var kind: Kind
  public var name: String?
  public var site: CallSite?
  public var contention: Contention
  /// A channel's buffer size; a semaphore's permits.
  public var capacity = 0
  /// Values in a channel's buffer; a WaitGroup's counter; a semaphore's permits taken.
  public var count = 0
  public var closed = false
  /// Fed by the clock (a timer, a context with a deadline): never stuck.
  public var clockDriven = false
  /// The tasks that have used it; with `listsMembers`, exactly the tasks that hold it
  /// (a semaphore) or that it waits for (a WaitGroup whose work was started with `go`).
  public var users: [TaskID] = []
  public var listsMembers = false
  /// More users than the runtime could list.
  public var unlistedUsers = false
  /// Strong references to it from outside the runtime, when the sampler counted them.
  public var references: Int?
  public var createdAtNanoseconds: UInt64 = 0

  public init(
    id: ResourceID, kind: Kind, name: String? = nil, site: CallSite? = nil,
    contention: Contention = Contention(), capacity: Int = 0, count: Int = 0, closed: Bool = false,
    clockDriven: Bool = false, users: [TaskID] = [], listsMembers: Bool = false, references: Int? = nil
  ) {
    self.id = id
    self.kind = kind
    self.name = name
    self.site = site
    self.contention = contention
    self.capacity = capacity
    self.count = count
    self.closed = closed
    self.clockDriven = clockDriven
    self.users = users
    self.listsMembers = listsMembers
    self.references = references
  }
}

public struct Counters: Sendable, Equatable {
  public var acquisitions: UInt64 = 0
  public var contended: UInt64 = 0
  public var blocks: UInt64 = 0
  public var tasksCreated: UInt64 = 0
  public var resourcesCreated: UInt64 = 0
  public var tasksDropped: UInt64 = 0
  public var resourcesDropped: UInt64 = 0

  public init(
    acquisitions: UInt64 = 0, contended: UInt64 = 0, blocks: UInt64 = 0,
    tasksCreated: UInt64 = 0, resourcesCreated: UInt64 = 0, tasksDropped: UInt64 = 0,
    resourcesDropped: UInt64 = 0
  ) {
    self.acquisitions = acquisitions
    self.contended = contended
    self.blocks = blocks
    self.tasksCreated = tasksCreated
    self.resourcesCreated = resourcesCreated
    self.tasksDropped = tasksDropped
    self.resourcesDropped = resourcesDropped
  }
}

/// Locks that play the same role: one name, or one creation site.
public struct LockClass: Sendable, Hashable {
  /// What makes locks one class: a name they share, or the site that created them.
  public enum Identity: Sendable, Hashable {
    case name(String)
    /// Unnamed locks made at one call site (nil when the site could not be read).
    case createdAt(CallSite?, reference: UInt32)
    /// A name reference that could not be read.
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

/// pprof's mutex profile for one lock or call site.
public struct Contention: Sendable, Equatable {
  public var contended: UInt64
  public var totalWaitNanoseconds: UInt64
  public var maxWaitNanoseconds: UInt64

  public init(contended: UInt64 = 0, totalWaitNanoseconds: UInt64 = 0, maxWaitNanoseconds: UInt64 = 0) {
    self.contended = contended
    self.totalWaitNanoseconds = totalWaitNanoseconds
    self.maxWaitNanoseconds = maxWaitNanoseconds
  }
}

public struct SiteContention: Sendable, Equatable {
  public var site: CallSite
  public var contention: Contention

  public init(site: CallSite, contention: Contention) {
    self.site = site
    self.contention = contention
  }
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
