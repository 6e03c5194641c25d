// Locks, channels and the other primitives as a snapshot holds them, with their contention.

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
    /// A serial (or concurrent) libdispatch queue, seen through /proc: the thread that
    /// drains it holds it; a `sync` onto it waits for that thread.
    case dispatchQueue = "dispatch-queue"
    /// A `DispatchSemaphore` or a `DispatchGroup`, seen through /proc: no owner, any
    /// thread may signal (or leave) it.
    case dispatchSemaphore = "dispatch-semaphore"
    case dispatchGroup = "dispatch-group"
    /// A one-time initialization (`dispatch_once`, a Swift `static let` or global, the
    /// runtime's `Once`): the task running the initializer holds it.
    case once
    /// An atomic counter (the runtime's `AtomicCounter`): `count` is its value.
    case atomic

    /// A channel, WaitGroup, Cond or semaphore: state beyond holders.
    public var isSynchronizer: Bool {
      ![.mutex, .rwMutex, .futex, .dispatchQueue, .dispatchSemaphore, .dispatchGroup, .once, .atomic]
        .contains(
          self)
    }
  }
  public var id: ResourceID
  public var kind: Kind
  public var name: String?
  public var site: CallSite?
  public var contention: Contention
  /// A channel's buffer size; a semaphore's permits.
  public var capacity = 0
  /// Values in a channel's buffer; a WaitGroup's counter; a semaphore's permits taken; an
  /// atomic counter's value.
  public var count = 0
  public var closed = false
  /// Fed by the clock (a timer, a context with a deadline): never stuck.
  public var clockDriven = false
  /// The tasks that have used it; with `listsMembers`, exactly the tasks that hold it
  /// (a semaphore) or that it waits for (a WaitGroup whose work was started with `go`).
  public var users: [TaskID] = []
  /// For a channel, how each of `users` has used it (same order); empty when the source
  /// does not say (then each may both send and receive).
  public var uses: [ChannelUse] = []
  public var listsMembers = false
  /// More users than the runtime could list.
  public var unlistedUsers = false
  /// Tasks the snapshot does not show may use it (a goroutine dump, which may not list
  /// every goroutine): a wait on it is never judged stuck.
  public var usableFromOutside = false
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

/// How a task has used a channel: through views that can receive or send (Go's `<-chan`
/// and `chan<-`; the channel itself can do both), and whether it has sent or closed.
public struct ChannelUse: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let mayReceive = ChannelUse(rawValue: 1)
  public static let maySend = ChannelUse(rawValue: 2)
  public static let hasSent = ChannelUse(rawValue: 4)
  /// The channel itself: either way.
  public static let bothWays: ChannelUse = [.mayReceive, .maySend]
}

extension ResourceInfo {
  /// How `task` has used this channel; both ways when not known.
  public func use(by task: TaskID) -> ChannelUse {
    guard !uses.isEmpty, let index = users.firstIndex(of: task), index < uses.count else { return .bothWays }
    return uses[index]
  }

  /// `.mayReceive` or `.maySend` for a user known to have used the channel one way only
  /// (a receive-only or a send-only view); nil otherwise.
  public func oneWayUse(by task: TaskID) -> ChannelUse? {
    let way = use(by: task).subtracting(.hasSent)
    return way == .mayReceive || way == .maySend ? way : nil
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
