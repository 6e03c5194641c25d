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

  init(snapshot: Snapshot, waiters: [ResourceID: [TaskID]]) {
    self.snapshot = snapshot
    self.waiters = waiters
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
    let reach = mayHold(resource)
    // A task running a spawned closure that captured the resource holds it twice: in the
    // closure's context and for the closure's call (measured in debug and release builds).
    let blockedHolds = blocked.count + blocked.filter { reach.capturers.contains($0) }.count
    if countsReferences, let references = resource.references, references <= blockedHolds {
      result = (
        blocked, false,
        "nothing but the \(blocked.count == 1 ? "task" : "tasks") blocked on \(label) still refers to it "
          + "(\(references) \(references == 1 ? "reference" : "references"), all \(blocked.count == 1 ? "its" : "their") own)"
      )
    } else {
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
    }
    cache[resource.id] = result
    return result
  }

  /// Live users, and live tasks spawned by them after the resource was created; the
  /// latter (users or not) may have captured it in their closures.
  private func mayHold(_ resource: ResourceInfo) -> (holders: [TaskID], capturers: Set<TaskID>) {
    var holders = Set(resource.users.filter { snapshot.task($0).map { $0.state != .ended } ?? false })
    var spawners = Set(resource.users)
    var capturers = Set<TaskID>()
    var grew = true
    while grew {
      grew = false
      for task in snapshot.tasks where task.state != .ended && !capturers.contains(task.id) {
        guard let parent = task.parent, spawners.contains(parent),
          task.createdAtNanoseconds >= resource.createdAtNanoseconds
        else { continue }
        holders.insert(task.id)
        spawners.insert(task.id)
        capturers.insert(task.id)
        grew = true
      }
    }
    return (holders.sorted(), capturers)
  }
}
