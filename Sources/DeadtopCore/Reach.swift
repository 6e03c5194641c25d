/// Who may still release a task blocked on a channel, a Cond, a WaitGroup or a
/// semaphore: DESIGN.md's "who may still use a channel".
///
/// - A semaphore's holders and a WaitGroup's members (work started with `go`) are
///   known: ownership, as for a lock.
/// - Otherwise the primitive's users (tasks that sent, received, waited, signalled,
///   created it) and the tasks they spawned after creating it (which may have captured
///   it) may use it: any one of them suffices.
/// - Reference counts bound that guess. When the tasks blocked on a channel hold every
///   reference to it, nobody else can ever reach it: it is stuck forever (a sender left
///   behind after its receiver returned). When it has more references than the tasks
///   above can account for, some other task may hold it: any task that can progress
///   may release the waiter. The runtime subtracts only what it holds itself, so a
///   count errs high (a temporary copy in some frame), which misses a finding rather
///   than inventing one.
struct Reach {
  let snapshot: Snapshot
  let waiters: [ResourceID: [TaskID]]
  private var cache: [CacheKey: Users] = [:]
  /// Who may still use a resource: the likeliest tasks, whether any task might, why, and
  /// whether the facts prove that no task beyond `tasks` can (every reference accounted
  /// for, on a resource tasks hold in their frames).
  typealias Users = (tasks: [TaskID], anyone: Bool, why: Guess.Why, proven: Bool)
  /// A resource, and the operation its waiter is blocked in (a channel's users who can
  /// release a receiver are not those who can release a sender).
  private struct CacheKey: Hashable {
    let resource: ResourceID
    let operation: Wait.Case.Operation?
  }

  // Facts by position in `snapshot.tasks`, so that lookups copy no TaskInfo.
  private let live: [Bool]
  private let created: [UInt64]
  /// Live tasks by the task that spawned them, as positions.
  private let children: [TaskID: [Int]]
  /// Past this many tasks that may have captured a resource, any task may as well.
  static let capturerLimit = 64

  init(snapshot: Snapshot, waiters: [ResourceID: [TaskID]]) {
    self.snapshot = snapshot
    self.waiters = waiters
    cache.reserveCapacity(waiters.count)
    var live: [Bool] = []
    var created: [UInt64] = []
    var children: [TaskID: [Int]] = [:]
    live.reserveCapacity(snapshot.tasks.count)
    created.reserveCapacity(snapshot.tasks.count)
    for index in snapshot.tasks.indices {
      let isLive = snapshot.tasks[index].state != .ended
      let parent = snapshot.tasks[index].parent
      live.append(isLive)
      created.append(snapshot.tasks[index].createdAtNanoseconds)
      if isLive, let parent { children[parent, default: []].append(index) }
    }
    self.live = live
    self.created = created
    self.children = children
  }

  private func isLive(_ task: TaskID) -> Bool { snapshot.position(of: task).map { live[$0] } ?? false }

  mutating func requirement(of task: TaskID, wait: Wait) -> Analysis.Requirement {
    if wait.unlistedCases { return .progresses }
    switch wait.kind {
    case .send, .receive, .select:
      var partners: [TaskID] = []
      var anyone = false
      var guess = Guess()
      /// False when the case can go through now or by itself (a snapshot taken mid-way).
      func add(_ resource: ResourceID, _ operation: Wait.Case.Operation) -> Bool {
        guard let position = snapshot.position(ofResource: resource) else { return false }
        let channel = snapshot.resources[position]
        if channel.clockDriven || channel.closed || channel.usableFromOutside { return false }
        if operation == .receive && channel.count > 0 { return false }
        if operation == .send && channel.count < channel.capacity { return false }
        let reach = users(of: channel, releasing: operation)
        for partner in reach.tasks where partner != task { partners.append(partner) }
        anyone = anyone || reach.anyone
        guess.add(resource, reach.why, proven: reach.proven)
        return true
      }
      if wait.kind == .select && wait.cases.isEmpty {
        // Go's `select {}`, or a select whose every case is on a nil channel.
        var never = Guess()
        never.hasNoCases = true
        return Analysis.Requirement(mode: .any, tasks: [], guess: never)
      }
      if wait.cases.isEmpty {
        guard case .resource(let resource) = wait.target, add(resource, wait.kind == .send ? .send : .receive)
        else { return .progresses }
      } else {
        for entry in wait.cases where !add(entry.resource, entry.operation) { return .progresses }
      }
      return Analysis.Requirement(mode: anyone ? .anyTask : .any, tasks: unique(partners), guess: guess)
    case .cond:
      guard case .resource(let id) = wait.target, let position = snapshot.position(ofResource: id),
        !snapshot.resources[position].usableFromOutside
      else { return .progresses }
      let reach = users(of: snapshot.resources[position])
      return Analysis.Requirement(
        mode: reach.anyone ? .anyTask : .any, tasks: reach.tasks.filter { $0 != task },
        guess: Guess(id, reach.why, proven: reach.proven))
    case .waitGroup:
      guard case .resource(let id) = wait.target, let position = snapshot.position(ofResource: id),
        snapshot.resources[position].count > 0, !snapshot.resources[position].usableFromOutside
      else { return .progresses }
      let group = snapshot.resources[position]
      if group.listsMembers {
        // Every member must finish; one stuck elsewhere keeps the waiter stuck.
        let members = group.users.filter(isLive)
        return Analysis.Requirement(mode: .all, tasks: members.filter { $0 != task })
      }
      let reach = users(of: group)
      var guess = Guess(id, reach.why, proven: reach.proven)
      guess.mayStillCallDone = true
      return Analysis.Requirement(
        mode: reach.anyone ? .anyTask : .any, tasks: reach.tasks.filter { $0 != task }, guess: guess)
    case .semaphore:
      guard case .resource(let id) = wait.target, let position = snapshot.position(ofResource: id) else {
        return .progresses
      }
      let holders = unique(snapshot.resources[position].users)
      // Any holder's release may be enough; a holder that ended keeps its permits.
      return holders.isEmpty ? .progresses : Analysis.Requirement(mode: .any, tasks: holders)
    default:
      return .progresses
    }
  }

  /// The tasks that may still use `resource`, whether any task might, and why. For a
  /// task blocked in `operation` on a channel, only those that can do the other one: a
  /// user that has only received through a receive-only view can never release a
  /// receiver, nor one that has only used a send-only view a sender.
  mutating func users(
    of resource: ResourceInfo, releasing operation: Wait.Case.Operation? = nil, countsReferences: Bool = true
  ) -> Users {
    let key = CacheKey(resource: resource.id, operation: operation)
    if let known = cache[key] { return known }
    let blocked = waiters[resource.id] ?? []
    var result: Users
    // Each blocked task holds at least one reference; the runtime's own are subtracted.
    if countsReferences, let references = resource.references, Self.framesHoldAll(resource),
      references <= blocked.count
    {
      // Only a waiter in a select may get out another way and come back to release the
      // rest; a plain sender or receiver can do nothing until this very channel moves.
      let mayLeave = blocked.filter { task in
        snapshot.position(of: task).map { snapshot.tasks[$0].wait?.kind == .select } ?? false
      }
      // Proven: the count errs high only (a temporary copy in some frame), and each waiter
      // holds at least one reference, so every reference there is is a waiter's own.
      result = (mayLeave, false, .onlyWaitersReferToIt(waiters: blocked.count, references: references), true)
    } else if let reach = mayHold(resource) {
      let holders = reach.holders
      let unaccounted = resource.references.map { $0 > holders.count + reach.capturers.count } ?? true
      let releasers = Self.releasers(among: holders, of: resource, releasing: operation)
      if resource.unlistedUsers || (countsReferences && unaccounted) {
        result = (releasers, true, .mayBeHeldByOthers, false)
      } else if releasers.allSatisfy({ blocked.contains($0) }) {
        let oneWay = holders.contains { !releasers.contains($0) && !blocked.contains($0) }
        let why: Guess.Why = oneWay ? .othersUseItTheSameWay(operation ?? .receive) : .usedOnlyByStuckTasks
        // Not proven: a balanced count may pair a user that dropped the resource with a
        // task that holds it through an object and has never used it.
        result = (releasers, false, why, false)
      } else {
        result = (releasers, false, .reachableOnlyByUsers, false)
      }
    } else {
      result = ([], true, .spawnedByManyTasks, false)
    }
    cache[key] = result
    return result
  }

  /// The tasks among `holders` that can do the opposite of `operation` on the channel:
  /// every one that is not a user (a task spawned since it was made may hold the channel
  /// itself), and users by the views they used. The likeliest come first: for a blocked
  /// receiver those that have sent or closed, for a blocked sender those that have not
  /// (they have received, or made it).
  static func releasers(
    among holders: [TaskID], of resource: ResourceInfo, releasing operation: Wait.Case.Operation?
  ) -> [TaskID] {
    guard let operation, resource.kind == .channel, !resource.uses.isEmpty else { return holders }
    let needed: ChannelUse = operation == .receive ? .maySend : .mayReceive
    let able = holders.filter { task in
      !resource.users.contains(task) || resource.use(by: task).contains(needed)
    }
    let sent = able.filter { resource.use(by: $0).contains(.hasSent) }
    let notSent = able.filter { !resource.use(by: $0).contains(.hasSent) }
    return operation == .receive ? sent + notSent : notSent + sent
  }

  /// Whether every reference to `resource` is counted once per holder: true for one
  /// made in a function body, which tasks hold in their frames and closures. One made in
  /// an initializer, as a stored property's default or in top-level code is likely held
  /// by an object's field or a global: one reference, however many tasks can reach it.
  /// (`#function` names a function with its parameters; a property initializer gives the
  /// type or property name, top-level code the module's.)
  static func framesHoldAll(_ resource: ResourceInfo) -> Bool {
    guard let function = resource.site?.function, function.contains("(") else { return false }
    return !function.hasPrefix("init(")
  }

  /// Live users, then live tasks spawned by them after the resource was created; the
  /// latter (users or not) may have captured it in their closures. Nil when more than
  /// `capturerLimit` tasks may have: then anybody may hold it.
  private func mayHold(_ resource: ResourceInfo) -> (holders: [TaskID], capturers: [TaskID])? {
    // Arrays, not sets: a handful of tasks each, and this runs once per blocked-on resource.
    // The runtime lists each user once.
    var holders = resource.users.filter(isLive)
    var capturers: [TaskID] = []
    var spawners = resource.users
    while let spawner = spawners.popLast() {
      for position in children[spawner] ?? [] where created[position] >= resource.createdAtNanoseconds {
        let task = snapshot.tasks[position].id
        guard !capturers.contains(task) else { continue }
        capturers.append(task)
        if capturers.count > Self.capturerLimit { return nil }
        if !holders.contains(task) { holders.append(task) }
        spawners.append(task)
      }
    }
    return (holders, capturers)
  }
}

/// The guess a requirement on a channel, Cond or WaitGroup rests on. Kept as facts and
/// worded only for a finding: most waits never need the words.
public struct Guess: Sendable, Equatable {
  public enum Why: Sendable, Equatable {
    /// Only the tasks blocked on it still refer to it.
    case onlyWaitersReferToIt(waiters: Int, references: Int)
    /// More references than the tasks known to use it account for.
    case mayBeHeldByOthers
    /// Too many tasks spawned since it was made to tell which hold it.
    case spawnedByManyTasks
    /// Every task that may still reach it is blocked or ended.
    case usedOnlyByStuckTasks
    /// Only the tasks that used it (and their children) can reach it.
    case reachableOnlyByUsers
    /// The other tasks that can still reach the channel use it only the way the waiter
    /// does (receive-only views for a blocked receive, send-only for a send).
    case othersUseItTheSameWay(Wait.Case.Operation)
  }
  /// Per resource, why; in the order of the wait's cases.
  public var reasons: [(resource: ResourceID, why: Why)] = []
  /// A WaitGroup counted with `add`: whoever may reach it may still call `done`.
  public var mayStillCallDone = false
  /// A select with no case that can fire (`select {}`, or only nil channels): it never
  /// returns, whatever any task does.
  public var hasNoCases = false

  /// The resources whose reasons the facts prove (every reference accounted for).
  public var proven: Set<ResourceID> = []

  /// Whether the facts prove the wait can never end: a select with no case that can
  /// fire, or every resource it waits on proven out of every running task's reach.
  public var isCertain: Bool {
    hasNoCases
      || (!reasons.isEmpty && !mayStillCallDone && reasons.allSatisfy { proven.contains($0.resource) })
  }

  init() {}

  init(_ resource: ResourceID, _ why: Why, proven: Bool = false) {
    reasons = [(resource, why)]
    if proven { self.proven = [resource] }
  }

  mutating func add(_ resource: ResourceID, _ why: Why, proven isProven: Bool = false) {
    if !reasons.contains(where: { $0.resource == resource }) { reasons.append((resource, why)) }
    if isProven { proven.insert(resource) }
  }

  public static func == (a: Guess, b: Guess) -> Bool {
    a.mayStillCallDone == b.mayStillCallDone && a.hasNoCases == b.hasNoCases && a.proven == b.proven
      && a.reasons.elementsEqual(b.reasons) { $0 == $1 }
  }

  /// The guess in words, the same words for equal reasons on different resources.
  public func describe(in snapshot: Snapshot) -> String {
    var sentences: [String] = []
    if hasNoCases {
      sentences.append("a select with no case that can fire (none, or only nil channels) never returns")
    }
    for (resource, why) in reasons {
      let label = snapshot.label(resource: resource)
      let sentence: String
      switch why {
      case .onlyWaitersReferToIt(let waiters, let references):
        sentence =
          "nothing but the \(waiters == 1 ? "task" : "tasks") blocked on \(label) still "
          + "\(waiters == 1 ? "refers" : "refer") to it "
          + "(\(references) \(references == 1 ? "reference" : "references"), all \(waiters == 1 ? "its" : "their") own)"
      case .mayBeHeldByOthers: sentence = "\(label) may be held by tasks that have not used it yet"
      case .spawnedByManyTasks:
        sentence = "\(label) may be held by any of the many tasks spawned since it was made"
      case .usedOnlyByStuckTasks:
        sentence =
          "no task that can still reach \(label) is running: it was used only by tasks now blocked or ended"
      case .reachableOnlyByUsers: sentence = "\(label) can only be reached by the tasks that have used it"
      case .othersUseItTheSameWay(.receive):
        sentence =
          "the other tasks that can reach \(label) hold it receive-only: none of them can ever send on it or close it"
      case .othersUseItTheSameWay(.send):
        sentence =
          "the other tasks that can reach \(label) hold it send-only: none of them can ever receive from it"
      }
      if !sentences.contains(sentence) { sentences.append(sentence) }
    }
    return sentences.joined(separator: "; ") + (mayStillCallDone ? " and may still call done" : "")
  }
}
