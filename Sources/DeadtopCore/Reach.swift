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
  private var cache: [ResourceID: (tasks: [TaskID], anyone: Bool, reason: String)] = [:]

  /// Live tasks by the task that spawned them, as positions in `snapshot.tasks`.
  private let children: [TaskID: [Int]]
  /// Past this many tasks that may have captured a resource, any task may as well.
  static let capturerLimit = 64

  init(snapshot: Snapshot, waiters: [ResourceID: [TaskID]]) {
    self.snapshot = snapshot
    self.waiters = waiters
    var children: [TaskID: [Int]] = [:]
    for index in snapshot.tasks.indices where snapshot.tasks[index].state != .ended {
      if let parent = snapshot.tasks[index].parent { children[parent, default: []].append(index) }
    }
    self.children = children
  }

  mutating func requirement(of task: TaskID, wait: Wait) -> Analysis.Requirement {
    if wait.unlistedCases { return .progresses }
    switch wait.kind {
    case .send, .receive, .select:
      let cases =
        wait.cases.isEmpty
        ? wait.resources.map { Wait.Case(resource: $0, operation: wait.kind == .send ? .send : .receive) }
        : wait.cases
      var partners: [TaskID] = []
      var anyone = false
      var reasons: [String] = []
      for entry in cases {
        guard let channel = snapshot.resource(entry.resource) else { return .progresses }
        // What could let it through right now, or by itself: a snapshot taken mid-way.
        if channel.clockDriven || channel.closed { return .progresses }
        if entry.operation == .receive && channel.count > 0 { return .progresses }
        if entry.operation == .send && channel.count < channel.capacity { return .progresses }
        let reach = users(of: channel)
        partners += reach.tasks.filter { $0 != task }
        anyone = anyone || reach.anyone
        reasons.append(reach.reason)
      }
      return Analysis.Requirement(
        mode: anyone ? .anyTask : .any, tasks: unique(partners),
        guess: reasons.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: "; "))
    case .cond:
      guard case .resource(let id) = wait.target, let cond = snapshot.resource(id) else { return .progresses }
      let reach = users(of: cond, countsReferences: false)
      return Analysis.Requirement(
        mode: reach.anyone ? .anyTask : .any, tasks: reach.tasks.filter { $0 != task }, guess: reach.reason)
    case .waitGroup:
      guard case .resource(let id) = wait.target, let group = snapshot.resource(id), group.count > 0 else {
        return .progresses
      }
      if group.listsMembers {
        // Every member must finish; one stuck elsewhere keeps the waiter stuck.
        let members = group.users.filter { snapshot.task($0).map { $0.state != .ended } ?? false }
        return Analysis.Requirement(mode: .all, tasks: members.filter { $0 != task })
      }
      let reach = users(of: group, countsReferences: false)
      return Analysis.Requirement(
        mode: reach.anyone ? .anyTask : .any, tasks: reach.tasks.filter { $0 != task },
        guess: reach.reason + " and may still call done")
    case .semaphore:
      guard case .resource(let id) = wait.target, let semaphore = snapshot.resource(id) else {
        return .progresses
      }
      let holders = unique(semaphore.users)
      // Any holder's release may be enough; a holder that ended keeps its permits.
      return holders.isEmpty ? .progresses : Analysis.Requirement(mode: .any, tasks: holders)
    default:
      return .progresses
    }
  }

  /// The tasks that may still use `resource`, whether any task might, and why.
  mutating func users(of resource: ResourceInfo, countsReferences: Bool = true) -> (
    tasks: [TaskID], anyone: Bool, reason: String
  ) {
    if let known = cache[resource.id] { return known }
    let label = snapshot.label(resource: resource.id)
    let blocked = waiters[resource.id] ?? []
    var result: (tasks: [TaskID], anyone: Bool, reason: String)
    // A task running a spawned closure that captured the resource holds it twice: in the
    // closure's context and for the closure's call (measured in debug and release builds).
    let blockedHolds = blocked.count + blocked.filter { mayHaveCaptured(resource, $0) }.count
    if countsReferences, Self.framesHoldAll(resource), let references = resource.references,
      references <= blockedHolds
    {
      result = (
        blocked, false,
        "nothing but the \(blocked.count == 1 ? "task" : "tasks") blocked on \(label) still refers to it "
          + "(\(references) \(references == 1 ? "reference" : "references"), all \(blocked.count == 1 ? "its" : "their") own)"
      )
    } else if let reach = mayHold(resource) {
      let holders = reach.holders
      let unaccounted = resource.references.map { $0 > holders.count + reach.capturers.count } ?? true
      if resource.unlistedUsers || (countsReferences && unaccounted) {
        result = (holders, true, "\(label) may be held by tasks that have not used it yet")
      } else if holders.allSatisfy({ blocked.contains($0) }) {
        result = (
          holders, false,
          "no task that can still reach \(label) is running: it was used only by tasks now blocked or ended"
        )
      } else {
        result = (holders, false, "\(label) can only be reached by the tasks that have used it")
      }
    } else {
      result = ([], true, "\(label) may be held by any of the many tasks spawned since it was made")
    }
    cache[resource.id] = result
    return result
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

  /// Whether `task` runs a closure that may have captured `resource`: `mayHold`'s
  /// capturers, found from the task up through the tasks that spawned it.
  private func mayHaveCaptured(_ resource: ResourceInfo, _ task: TaskID) -> Bool {
    var current = task
    for _ in 0...Self.capturerLimit {
      guard let info = snapshot.task(current), info.state != .ended,
        info.createdAtNanoseconds >= resource.createdAtNanoseconds, let parent = info.parent
      else { return false }
      if resource.users.contains(parent) { return true }
      current = parent
    }
    return false
  }

  /// Live users, and live tasks spawned by them after the resource was created; the
  /// latter (users or not) may have captured it in their closures. Nil when more than
  /// `capturerLimit` tasks may have: then anybody may hold it.
  private func mayHold(_ resource: ResourceInfo) -> (holders: [TaskID], capturers: Set<TaskID>)? {
    var holders = Set(resource.users.filter { snapshot.task($0).map { $0.state != .ended } ?? false })
    var capturers = Set<TaskID>()
    var spawners = resource.users
    while let spawner = spawners.popLast() {
      for index in children[spawner] ?? [] {
        let task = snapshot.tasks[index]
        guard task.createdAtNanoseconds >= resource.createdAtNanoseconds, capturers.insert(task.id).inserted
        else { continue }
        if capturers.count > Self.capturerLimit { return nil }
        holders.insert(task.id)
        spawners.append(task.id)
      }
    }
    return (holders.sorted(), capturers)
  }
}
