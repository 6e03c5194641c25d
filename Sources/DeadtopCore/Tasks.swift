// Tasks as a snapshot holds them: their state, what they wait for, what they hold.

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
    /// `DispatchQueue.sync` (dispatch_sync) onto a queue another thread drains, seen
    /// through /proc: like a lock, it waits for that thread.
    case dispatchSync = "dispatch-sync"
    /// A one-time initializer another thread is running (`dispatch_once`, a Swift
    /// `static let` or global), seen through /proc: like a lock, it waits for that thread.
    case once
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
  /// `sinceNanoseconds` is when the source first saw the wait, not when it began (a
  /// thread read through /proc): the time waited is at least that long.
  public var sinceIsLowerBound = false

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
