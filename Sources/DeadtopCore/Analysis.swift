/// The wait-for analysis of DESIGN.md: who each blocked task waits for, which tasks
/// can still make progress (a least fixpoint, linear in tasks plus edges), which are
/// deadlocked, and the cycles and chains that explain it. Pure: a snapshot in, values out.
public struct Analysis: Sendable {
  /// What a blocked task needs: every listed task to act (a lock's holders) or any one.
  public struct Requirement: Sendable, Equatable {
    /// `anyTask`: any task that can progress may release it (who may use a channel is
    /// not known); `tasks` then lists the likeliest.
    public enum Mode: String, Sendable { case all, any, anyTask }
    public var mode: Mode
    public var tasks: [TaskID]
    /// Nil when the requirement rests on ownership (a lock's holders, a join, a
    /// WaitGroup's members); else the guess it rests on (`Guess.describe(in:)` words it).
    public var guess: Guess?

    public init(mode: Mode, tasks: [TaskID], guess: Guess? = nil) {
      self.mode = mode
      self.tasks = tasks
      self.guess = guess
    }

    static let progresses = Requirement(mode: .all, tasks: [])
  }

  public let snapshot: Snapshot
  /// One entry per blocked task.
  public let requirements: Requirements
  /// Current holders of each resource, in task order.
  public let holders: [ResourceID: [(task: TaskID, hold: Hold)]]
  /// Blocked tasks waiting on each resource, in queue order.
  public let waiters: [ResourceID: [TaskID]]
  public internal(set) var deadlocked: Set<TaskID>
  public internal(set) var deadlocks: [Deadlock]
  /// Pools every thread of which is blocked: a hang of all their work.
  public internal(set) var starvedPools: [PoolStarvation]
  /// Tasks that retry forever on waits only their timers end (seen re-entering them).
  public internal(set) var retryLeaks: [RetryLeak]
  /// Tasks in such a wait not yet seen entering it more than once: the next snapshot may
  /// show them back in it (`confirmed(by:)`).
  var retryWaitsAwaitingEvidence: [RetryLeak]

  /// What may be said of the process. A deadlock found is a deadlock even when some facts
  /// are hidden; but without a finding, hidden facts leave the verdict unknown.
  public enum Verdict: String, Sendable {
    case deadlock
    /// No deadlock, but a pool is starved: its async work cannot run.
    case hang
    case noDeadlock = "no-deadlock"
    case unknown
  }

  public var verdict: Verdict {
    if !deadlocks.isEmpty { return .deadlock }
    if !starvedPools.isEmpty { return .hang }
    return snapshot.hiddenFacts.isEmpty ? .noDeadlock : .unknown
  }

  /// A confirmed deadlock, hang or leak: what a replay's "where it formed" looks for.
  public var hasFinding: Bool { !deadlocks.isEmpty || !starvedPools.isEmpty || !retryLeaks.isEmpty }

  /// Go's "all goroutines are asleep": every live task is deadlocked.
  public var isGlobal: Bool { liveTaskCount > 0 && deadlocked.count == liveTaskCount }
  public let liveTaskCount: Int

  public init(_ snapshot: Snapshot) {
    self.snapshot = snapshot
    liveTaskCount = snapshot.tasks.reduce(0) { $0 + ($1.state == .ended ? 0 : 1) }

    // Facts looked up many times, kept small so the lookups copy no TaskInfo.
    var facts = Facts(snapshot: snapshot)
    var holders: [ResourceID: [(task: TaskID, hold: Hold)]] = [:]
    holders.reserveCapacity(snapshot.tasks.count)
    var queued: [(sequence: UInt64, task: TaskID, resource: ResourceID)] = []
    var ids: [TaskID] = []
    ids.reserveCapacity(snapshot.tasks.count)
    for index in snapshot.tasks.indices {
      let id = snapshot.tasks[index].id
      ids.append(id)
      facts.states.append(snapshot.tasks[index].state)
      for hold in snapshot.tasks[index].holds { holders[hold.resource, default: []].append((id, hold)) }
      guard let sequence = snapshot.tasks[index].wait?.sequence else {
        facts.waits.append(nil)
        continue
      }
      facts.waits.append((snapshot.tasks[index].wait!.kind, sequence))
      // A plain wait names its resource; only a select lists cases (no array built for the rest).
      if snapshot.tasks[index].wait!.cases.isEmpty {
        if case .resource(let resource) = snapshot.tasks[index].wait!.target, resource != 0 {
          queued.append((sequence, id, resource))
        }
      } else {
        for resource in snapshot.tasks[index].wait!.resources { queued.append((sequence, id, resource)) }
      }
    }
    var waiters: [ResourceID: [TaskID]] = [:]
    waiters.reserveCapacity(queued.count)
    for entry in queued.sorted(by: { $0.sequence < $1.sequence }) {
      waiters[entry.resource, default: []].append(entry.task)
    }

    var requirements = [Requirement?](repeating: nil, count: snapshot.tasks.count)
    var reach: Reach?  // made on the first wait that needs it: a lock-only process never does
    for index in snapshot.tasks.indices where snapshot.tasks[index].state == .blocked {
      guard let wait = snapshot.tasks[index].wait else { continue }
      if let requirement = Self.requirement(wait: wait, holders: holders, waiters: waiters, facts: facts) {
        requirements[index] = requirement
        continue
      }
      if reach == nil { reach = Reach(snapshot: snapshot, waiters: waiters) }
      requirements[index] = reach?.requirement(of: snapshot.tasks[index].id, wait: wait)
    }
    let retryWaits = Self.retryWaits(in: snapshot, reach: &reach, waiters: waiters)
    retryLeaks = retryWaits.filter { $0.episodes >= Self.retryEpisodesNeeded }
    retryWaitsAwaitingEvidence = retryWaits.filter { $0.episodes < Self.retryEpisodesNeeded }
    self.holders = holders
    self.waiters = waiters
    self.requirements = Requirements(snapshot: snapshot, byPosition: requirements)

    // The graph algorithms run on positions in `snapshot.tasks`: arrays, not hash tables.
    let graph = WaitGraph(ids: ids, states: facts.states, requirements: requirements, snapshot: snapshot)
    let stuck = graph.deadlocked()
    self.deadlocked = Set(ids.indices.filter { stuck[$0] }.map { ids[$0] })
    self.deadlocks = graph.explain(deadlocked: stuck)
    self.starvedPools = Self.starvedPools(
      in: snapshot, requirements: self.requirements, deadlocked: self.deadlocked)
    if let declared = snapshot.declaredDeadlock, liveTaskCount > 0,
      snapshot.taskCount(.blocked) == liveTaskCount
    {
      // The program's runtime saw every task asleep (a Go dump's fatal error): a proof
      // deadtop takes as it is for the tasks its own rules could not place.
      let unplaced = snapshot.tasks.filter { $0.state == .blocked && !deadlocked.contains($0.id) }.map(\.id)
      if !unplaced.isEmpty {
        deadlocks.append(
          Deadlock(
            kind: .stuckForever, certainty: .certain, cycleTasks: [], otherMembers: unplaced,
            blockedBehind: [],
            endedHolders: [], reason: "the program's own runtime says so: \"\(declared)\""))
        deadlocked.formUnion(unplaced)
      }
    }
    if isGlobal {
      // Nothing in the runtime can wake any of them: Go's fatal "all goroutines are asleep".
      for index in deadlocks.indices where deadlocks[index].certainty == .likely {
        deadlocks[index].certainty = .certain
        deadlocks[index].reason = "every live task is blocked, so none can ever wake another"
      }
    }
  }

  /// What each blocked task needs, by task id (kept by position in the snapshot).
  public struct Requirements: Sendable {
    let snapshot: Snapshot
    let byPosition: [Requirement?]

    public subscript(_ task: TaskID) -> Requirement? {
      snapshot.position(of: task).flatMap { byPosition[$0] }
    }
  }

  /// Each task's state and wait, by position, looked up by id.
  struct Facts {
    let snapshot: Snapshot
    var states: [TaskState] = []
    var waits: [(kind: Wait.Kind, sequence: UInt64)?] = []

    func state(_ id: TaskID) -> TaskState? { snapshot.position(of: id).map { states[$0] } }
    func wait(_ id: TaskID) -> (kind: Wait.Kind, sequence: UInt64)? {
      snapshot.position(of: id).flatMap { waits[$0] }
    }
  }

  /// Who must act for `task` to stop waiting, per DESIGN.md's rules for locks and joins;
  /// nil for the waits on channels and the other primitives, which `Reach` answers.
  static func requirement(
    wait: Wait, holders: [ResourceID: [(task: TaskID, hold: Hold)]], waiters: [ResourceID: [TaskID]],
    facts: Facts
  ) -> Requirement? {
    if wait.deadlineNanoseconds != nil { return .progresses }
    switch wait.target {
    case .task(let joined):
      // Joining an ended (or long-gone) task returns at once.
      let alive = facts.state(joined).map { $0 != .ended } ?? false
      return Requirement(mode: .all, tasks: alive ? [joined] : [])
    case .resource(let resource):
      let current = holders[resource] ?? []
      var queuedWriters: [TaskID] {
        (waiters[resource] ?? []).filter { facts.wait($0)?.kind == .writeLock }
      }
      switch wait.kind {
      case .mutex, .dispatchSync, .once:
        // A serial queue is held by the thread draining it, as a mutex by its owner.
        return Requirement(
          mode: .all, tasks: current.count == 1 ? [current[0].task] : unique(current.map(\.task)))
      case .writeLock:
        // Every holder must release, and writers queued earlier go first.
        let ahead = queuedWriters.filter {
          (facts.wait($0)?.sequence ?? .max) < wait.sequence
        }
        return Requirement(mode: .all, tasks: unique(current.map(\.task) + ahead))
      case .readLock:
        // Writer-preferring: a reader waits for the writer holding the lock, or else
        // for the first queued writer, which will take it and release it first.
        if let writer = current.first(where: { $0.hold.mode == .exclusive }) {
          return Requirement(mode: .all, tasks: [writer.task])
        }
        let firstWriter = (waiters[resource] ?? []).first { facts.wait($0)?.kind == .writeLock }
        return Requirement(mode: .all, tasks: firstWriter.map { [$0] } ?? [])
      case .join, .futex, .sleep:
        return .progresses
      case .send, .receive, .select, .waitGroup, .cond, .semaphore:
        return nil
      }
    }
  }

  /// Who holds `resource`: a lock's holders, a semaphore's permit holders. A semaphore
  /// has no per-task hold records: its slot lists its holders.
  public func holders(of resource: ResourceInfo) -> [(task: TaskID, hold: Hold)] {
    guard resource.kind == .semaphore, resource.listsMembers else { return holders[resource.id] ?? [] }
    return resource.users.map { (task: $0, hold: Hold(resource: resource.id, mode: .exclusive)) }
  }
}

func unique(_ ids: [TaskID]) -> [TaskID] {
  if ids.count < 2 { return ids }
  if ids.count <= 16 {  // most waits name a few tasks: no hash table
    var result: [TaskID] = []
    result.reserveCapacity(ids.count)
    for id in ids where !result.contains(id) { result.append(id) }
    return result
  }
  var seen = Set<TaskID>()
  return ids.filter { seen.insert($0).inserted }
}

/// One explained deadlock.
public struct Deadlock: Sendable, Equatable {
  public enum Kind: String, Sendable {
    /// Tasks waiting on each other in a cycle.
    case cycle
    /// Tasks waiting on a lock that a task which has ended still holds.
    case heldByEndedTask = "held-by-ended-task"
    /// A task blocked on a channel (or Cond, WaitGroup) that no task that can still
    /// progress will ever use: a sender left behind, a range over a channel nobody
    /// will close.
    case stuckForever = "stuck-forever"
  }
  public enum Certainty: String, Sendable {
    /// Every edge is an ownership edge.
    case certain
    /// Rests on a guess about who may still use a channel.
    case likely
  }

  public var kind: Kind
  public var certainty: Certainty
  /// The cycle in order: each task waits for the next, the last for the first.
  public var cycleTasks: [TaskID]
  /// Deadlocked members that are not on the drawn cycle: the rest of a larger strongly
  /// connected component, or the direct waiters on an ended task's lock.
  public var otherMembers: [TaskID]
  /// Tasks stuck because they wait, directly or through others, on this deadlock.
  public var blockedBehind: [TaskID]
  /// For `.heldByEndedTask`: the ended tasks that still hold what the others need.
  public var endedHolders: [TaskID]
  /// Why it is certain, or the guess that makes it only likely.
  public var reason: String = ""

  /// Every task that is deadlocked as part of this finding.
  public var waitingTasks: [TaskID] { cycleTasks + otherMembers + blockedBehind }
}
