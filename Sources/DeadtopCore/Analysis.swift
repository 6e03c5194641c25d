/// The wait-for analysis of DESIGN.md: who each blocked task waits for, which tasks
/// can still make progress (a least fixpoint, linear in tasks plus edges), which are
/// deadlocked, and the cycles and chains that explain it. Pure: a snapshot in, values out.
public struct Analysis: Sendable {
  /// What a blocked task needs: every listed task to act (a lock's holders) or any one.
  public struct Requirement: Sendable, Equatable {
    public enum Mode: String, Sendable { case all, any }
    public var mode: Mode
    public var tasks: [TaskID]

    public init(mode: Mode, tasks: [TaskID]) {
      self.mode = mode
      self.tasks = tasks
    }
  }

  public let snapshot: Snapshot
  /// One entry per blocked task.
  public let requirements: [TaskID: Requirement]
  /// Current holders of each resource, in task order.
  public let holders: [ResourceID: [(task: TaskID, hold: Hold)]]
  /// Blocked tasks waiting on each resource, in queue order.
  public let waiters: [ResourceID: [TaskID]]
  public private(set) var deadlocked: Set<TaskID>
  public private(set) var deadlocks: [Deadlock]

  /// Go's "all goroutines are asleep": every live task is deadlocked.
  public var isGlobal: Bool { liveTaskCount > 0 && deadlocked.count == liveTaskCount }
  public let liveTaskCount: Int

  public init(_ snapshot: Snapshot) {
    self.snapshot = snapshot
    liveTaskCount = snapshot.tasks.reduce(0) { $0 + ($1.state == .ended ? 0 : 1) }

    var holders: [ResourceID: [(task: TaskID, hold: Hold)]] = [:]
    for task in snapshot.tasks where task.state != .ended || !task.holds.isEmpty {
      for hold in task.holds { holders[hold.resource, default: []].append((task.id, hold)) }
    }
    var waiters: [ResourceID: [TaskID]] = [:]
    for task in snapshot.tasks.sorted(by: { ($0.wait?.sequence ?? 0) < ($1.wait?.sequence ?? 0) }) {
      if let wait = task.wait, case .resource(let resource) = wait.target {
        waiters[resource, default: []].append(task.id)
      }
    }

    var requirements: [TaskID: Requirement] = [:]
    for task in snapshot.tasks where task.state == .blocked {
      guard let wait = task.wait else { continue }
      requirements[task.id] = Self.requirement(
        of: task, wait: wait, holders: holders, waiters: waiters, snapshot: snapshot)
    }
    self.holders = holders
    self.waiters = waiters
    self.requirements = requirements

    let deadlocked = Self.deadlockedTasks(snapshot.tasks, requirements: requirements)
    self.deadlocked = deadlocked
    self.deadlocks = Self.explain(
      deadlocked: deadlocked, requirements: requirements, snapshot: snapshot)
  }

  /// Who must act for `task` to stop waiting, per DESIGN.md's rules for locks and joins.
  static func requirement(
    of task: TaskInfo, wait: Wait, holders: [ResourceID: [(task: TaskID, hold: Hold)]],
    waiters: [ResourceID: [TaskID]], snapshot: Snapshot
  ) -> Requirement {
    switch wait.target {
    case .task(let joined):
      // Joining an ended (or long-gone) task returns at once.
      let alive = snapshot.task(joined).map { $0.state != .ended } ?? false
      return Requirement(mode: .all, tasks: alive ? [joined] : [])
    case .resource(let resource):
      let current = holders[resource] ?? []
      var queuedWriters: [TaskID] {
        (waiters[resource] ?? []).filter { snapshot.task($0)?.wait?.kind == .writeLock }
      }
      switch wait.kind {
      case .mutex:
        return Requirement(
          mode: .all, tasks: current.count == 1 ? [current[0].task] : unique(current.map(\.task)))
      case .writeLock:
        // Every holder must release, and writers queued earlier go first.
        let ahead = queuedWriters.filter {
          (snapshot.task($0)?.wait?.sequence ?? .max) < wait.sequence
        }
        return Requirement(mode: .all, tasks: unique(current.map(\.task) + ahead))
      case .readLock:
        // Writer-preferring: a reader waits for the writer holding the lock, or else
        // for the first queued writer, which will take it and release it first.
        if let writer = current.first(where: { $0.hold.mode == .exclusive }) {
          return Requirement(mode: .all, tasks: [writer.task])
        }
        let firstWriter = (waiters[resource] ?? []).first { snapshot.task($0)?.wait?.kind == .writeLock }
        return Requirement(mode: .all, tasks: firstWriter.map { [$0] } ?? [])
      case .join:
        return Requirement(mode: .all, tasks: [])
      }
    }
  }

  /// The least fixpoint of "can progress": a task can progress if it is not blocked, or
  /// its requirement is met by tasks that can progress. Ended tasks never act again.
  static func deadlockedTasks(_ tasks: [TaskInfo], requirements: [TaskID: Requirement]) -> Set<
    TaskID
  > {
    var canProgress = Set<TaskID>()
    var remaining: [TaskID: Int] = [:]
    var dependents: [TaskID: [TaskID]] = [:]
    var queue: [TaskID] = []
    for task in tasks {
      switch task.state {
      case .running:
        canProgress.insert(task.id)
        queue.append(task.id)
      case .ended:
        continue
      case .blocked:
        guard let requirement = requirements[task.id] else {
          canProgress.insert(task.id)
          queue.append(task.id)
          continue
        }
        for needed in requirement.tasks { dependents[needed, default: []].append(task.id) }
        let count = requirement.mode == .all ? requirement.tasks.count : 1
        if requirement.tasks.isEmpty && requirement.mode == .all {
          canProgress.insert(task.id)
          queue.append(task.id)
        } else {
          remaining[task.id] = count
        }
      }
    }
    while let next = queue.popLast() {
      for dependent in dependents[next] ?? [] where !canProgress.contains(dependent) {
        let left = (remaining[dependent] ?? 1) - 1
        remaining[dependent] = left
        if left <= 0 || requirements[dependent]?.mode == .any {
          canProgress.insert(dependent)
          queue.append(dependent)
        }
      }
    }
    return Set(tasks.filter { $0.state == .blocked && !canProgress.contains($0.id) }.map(\.id))
  }

  /// Groups the deadlocked tasks into findings: each cycle (a strongly connected
  /// component of the wait-for graph) with the tasks blocked behind it, and each set of
  /// tasks waiting on a lock that an ended task still holds.
  static func explain(
    deadlocked: Set<TaskID>, requirements: [TaskID: Requirement], snapshot: Snapshot
  ) -> [Deadlock] {
    let nodes = deadlocked.sorted()
    func successors(_ task: TaskID) -> [TaskID] {
      (requirements[task]?.tasks ?? []).filter { deadlocked.contains($0) }
    }
    let components = stronglyConnectedComponents(nodes, successors: successors)
    var componentOf: [TaskID: Int] = [:]
    var findings: [Deadlock] = []
    var findingOfComponent: [Int: Int] = [:]
    for (index, component) in components.enumerated() {
      for task in component { componentOf[task] = index }
      let isCycle = component.count > 1 || successors(component[0]).contains(component[0])
      guard isCycle else { continue }
      let members = component.sorted()
      let path = shortestCycle(through: members[0], within: Set(members), successors: successors)
      findingOfComponent[index] = findings.count
      findings.append(
        Deadlock(
          kind: .cycle, certainty: .certain, cycleTasks: path,
          otherMembers: members.filter {
            !path.contains($0)
          }, blockedBehind: [], endedHolders: []))
    }

    // Every other deadlocked task waits, directly or through others, on a cycle or on
    // an ended task that holds what it needs. One breadth-first pass backwards from the
    // cycles, then from the ended holders, assigns each task to the first it reaches.
    var dependents: [TaskID: [TaskID]] = [:]
    for task in nodes {
      for needed in requirements[task]?.tasks ?? [] { dependents[needed, default: []].append(task) }
    }
    var assigned = Set<TaskID>()
    func spread(from sources: [TaskID], into finding: Int, directWaitersAreMembers: Bool) {
      var queue = sources
      var head = 0
      while head < queue.count {
        let current = queue[head]
        head += 1
        for dependent in dependents[current] ?? []
        where deadlocked.contains(dependent) && assigned.insert(dependent).inserted {
          if directWaitersAreMembers && head <= sources.count {
            findings[finding].otherMembers.append(dependent)
          } else {
            findings[finding].blockedBehind.append(dependent)
          }
          queue.append(dependent)
        }
      }
    }
    var cycleSources: [(members: [TaskID], finding: Int)] = []
    for (index, component) in components.enumerated() {
      guard let finding = findingOfComponent[index] else { continue }
      assigned.formUnion(component)
      cycleSources.append((component.sorted(), finding))
    }
    for source in cycleSources {
      spread(from: source.members, into: source.finding, directWaitersAreMembers: false)
    }
    let endedHolders = Set(nodes.flatMap { requirements[$0]?.tasks ?? [] })
      .filter { snapshot.task($0)?.state == .ended }.sorted()
    for ended in endedHolders
    where (dependents[ended] ?? []).contains(where: { deadlocked.contains($0) && !assigned.contains($0) }) {
      findings.append(
        Deadlock(
          kind: .heldByEndedTask, certainty: .certain, cycleTasks: [], otherMembers: [],
          blockedBehind: [], endedHolders: [ended]))
      spread(from: [ended], into: findings.count - 1, directWaitersAreMembers: true)
    }
    return findings
  }

  /// Tarjan's algorithm, iterative so that a long chain cannot overflow the stack.
  static func stronglyConnectedComponents(
    _ nodes: [TaskID], successors: (TaskID) -> [TaskID]
  ) -> [[TaskID]] {
    var index: [TaskID: Int] = [:]
    var lowLink: [TaskID: Int] = [:]
    var onStack = Set<TaskID>()
    var stack: [TaskID] = []
    var components: [[TaskID]] = []
    var counter = 0
    for root in nodes where index[root] == nil {
      var work: [(node: TaskID, next: [TaskID], position: Int)] = []
      func visit(_ node: TaskID) {
        index[node] = counter
        lowLink[node] = counter
        counter += 1
        stack.append(node)
        onStack.insert(node)
        work.append((node, successors(node), 0))
      }
      visit(root)
      while !work.isEmpty {
        let top = work.count - 1
        let node = work[top].node
        if work[top].position < work[top].next.count {
          let successor = work[top].next[work[top].position]
          work[top].position += 1
          if index[successor] == nil {
            visit(successor)
          } else if onStack.contains(successor) {
            lowLink[node] = min(lowLink[node]!, index[successor]!)
          }
          continue
        }
        work.removeLast()
        if let parent = work.last?.node { lowLink[parent] = min(lowLink[parent]!, lowLink[node]!) }
        if lowLink[node] == index[node] {
          var component: [TaskID] = []
          while let member = stack.popLast() {
            onStack.remove(member)
            component.append(member)
            if member == node { break }
          }
          components.append(component)
        }
      }
    }
    return components
  }

  /// The shortest path from `start` back to itself inside one component.
  static func shortestCycle(
    through start: TaskID, within members: Set<TaskID>, successors: (TaskID) -> [TaskID]
  ) -> [TaskID] {
    var parent: [TaskID: TaskID] = [:]
    var frontier = [start]
    var visited: Set<TaskID> = []
    while !frontier.isEmpty {
      var next: [TaskID] = []
      for node in frontier {
        for successor in successors(node) where members.contains(successor) {
          if successor == start {
            var path = [node]
            while let previous = parent[path[path.count - 1]] { path.append(previous) }
            return path.reversed()
          }
          if visited.insert(successor).inserted {
            parent[successor] = node
            next.append(successor)
          }
        }
      }
      frontier = next
    }
    return [start]
  }

  /// Keeps only the findings that `earlier` already showed with the same wait episodes:
  /// a deadlock never dissolves, so this filters out a picture torn across slots.
  public func confirmed(by earlier: Snapshot) -> Analysis {
    let earlierWaits = Dictionary(
      earlier.tasks.compactMap { task in task.wait.map { (task.id, $0.sequence) } },
      uniquingKeysWith: { a, _ in a })
    var result = self
    result.deadlocks = deadlocks.filter { deadlock in
      deadlock.waitingTasks.allSatisfy { id in
        snapshot.task(id)?.wait.map { earlierWaits[id] == $0.sequence } ?? false
      }
    }
    result.deadlocked = Set(result.deadlocks.flatMap(\.waitingTasks))
    return result
  }
}

func unique(_ ids: [TaskID]) -> [TaskID] {
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

  /// Every task that is deadlocked as part of this finding.
  public var waitingTasks: [TaskID] { cycleTasks + otherMembers + blockedBehind }
}
