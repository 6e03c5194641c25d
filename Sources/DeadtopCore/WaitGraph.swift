// One file over ~350 lines: the graph, the progress fixpoint, the findings drawn from it
// and the cycle search they use share its dense arrays; split, each would re-derive them.
/// The wait-for graph on dense positions (arrays, not hash tables), so that the
/// analysis stays linear with a small constant on 10,000 tasks.
struct WaitGraph {
  let ids: [TaskID]
  let states: [TaskState]
  /// For each blocked task with a known wait: the positions it needs, and whether all or any.
  let needs: Adjacency
  /// The same edges reversed: for each position, the positions that need it.
  let dependents: Adjacency
  let modes: [Analysis.Requirement.Mode?]
  /// The guess each requirement rests on, if any (see `Analysis.Requirement.guess`).
  let guesses: [Guess?]
  /// For the words of an explanation.
  let snapshot: Snapshot

  /// `ids` and `states` are in the order of `snapshot.tasks`.
  init(
    ids: [TaskID], states: [TaskState], requirements: [Analysis.Requirement?], snapshot: Snapshot
  ) {
    self.ids = ids
    self.states = states
    self.snapshot = snapshot
    var needs = Adjacency.Builder(nodes: ids.count)
    var modes = [Analysis.Requirement.Mode?](repeating: nil, count: ids.count)
    var guesses = [Guess?](repeating: nil, count: ids.count)
    for index in ids.indices {
      defer { needs.endNode() }
      guard let requirement = requirements[index] else { continue }
      modes[index] = requirement.mode
      guesses[index] = requirement.guess
      for task in requirement.tasks {
        if let position = snapshot.position(of: task) { needs.add(position) }
      }
    }
    self.needs = needs.adjacency
    dependents = self.needs.reversed()
    self.modes = modes
    self.guesses = guesses
  }

  /// The least fixpoint of "can progress": a task can progress if it is not blocked, or
  /// its requirement is met by tasks that can progress. Ended tasks never act again.
  /// Returns, per position, whether the task is deadlocked.
  func deadlocked() -> [Bool] {
    let count = ids.count
    var canProgress = [Bool](repeating: false, count: count)
    var remaining = [Int](repeating: 0, count: count)
    var queue: [Int] = []
    for index in 0..<count {
      switch states[index] {
      case .running:
        canProgress[index] = true
        queue.append(index)
      case .ended:
        continue
      case .blocked:
        guard let mode = modes[index], !(mode == .all && needs[index].isEmpty) else {
          canProgress[index] = true
          queue.append(index)
          continue
        }
        remaining[index] = mode == .all ? needs[index].count : 1
      }
    }
    // A wait any task may release is released as soon as any task can progress.
    if !queue.isEmpty {
      for index in 0..<count where modes[index] == .anyTask && states[index] == .blocked {
        canProgress[index] = true
        queue.append(index)
      }
    }
    while let next = queue.popLast() {
      for dependent in dependents[next] where !canProgress[dependent] {
        remaining[dependent] -= 1
        if remaining[dependent] <= 0 {
          canProgress[dependent] = true
          queue.append(dependent)
        }
      }
    }
    return (0..<count).map { states[$0] == .blocked && !canProgress[$0] }
  }

  /// Groups the deadlocked tasks into findings: each cycle (a strongly connected
  /// component of the wait-for graph) with the tasks blocked behind it, and each set of
  /// tasks waiting on a lock that an ended task still holds.
  func explain(deadlocked: [Bool]) -> [Deadlock] {
    let nodes = ids.indices.filter { deadlocked[$0] }.sorted { ids[$0] < ids[$1] }
    let successors = ids.indices.map { deadlocked[$0] ? needs[$0].filter { deadlocked[$0] } : [] }
    let components = Self.stronglyConnectedComponents(nodes, successors: successors)
    var findings: [Deadlock] = []
    var assigned = [Bool](repeating: false, count: ids.count)
    var cycleSources: [(members: [Int], finding: Int)] = []
    for component in components {
      let isCycle = component.count > 1 || successors[component[0]].contains(component[0])
      guard isCycle else { continue }
      let members = component.sorted { ids[$0] < ids[$1] }
      let inComponent = Set(members)
      let path = drawnCycle(of: members, within: inComponent, successors: successors)
      let onPath = Set(path)
      for member in members { assigned[member] = true }
      cycleSources.append((members, findings.count))
      let guess = members.lazy.compactMap { guesses[$0] }.first?.describe(in: snapshot)
      findings.append(
        Deadlock(
          kind: .cycle, certainty: guess == nil ? .certain : .likely, cycleTasks: path.map { ids[$0] },
          otherMembers: members.filter { !onPath.contains($0) }.map { ids[$0] }, blockedBehind: [],
          endedHolders: [],
          reason: guess ?? "every wait in the cycle is on a lock, a join, a member task or a serial queue"))
    }

    // Every other deadlocked task waits, directly or through others, on a cycle or on
    // an ended task that holds what it needs. One breadth-first pass backwards from the
    // cycles, then from the ended holders, assigns each task to the first it reaches.
    func spread(from sources: [Int], into finding: Int, directWaitersAreMembers: Bool) {
      var queue = sources
      var head = 0
      while head < queue.count {
        let current = queue[head]
        head += 1
        for dependent in dependents[current] where deadlocked[dependent] && !assigned[dependent] {
          assigned[dependent] = true
          if directWaitersAreMembers && head <= sources.count {
            findings[finding].otherMembers.append(ids[dependent])
          } else {
            findings[finding].blockedBehind.append(ids[dependent])
          }
          queue.append(dependent)
        }
      }
    }
    for source in cycleSources {
      spread(from: source.members, into: source.finding, directWaitersAreMembers: false)
    }
    let endedHolders = Set(nodes.flatMap { needs[$0] }).filter { states[$0] == .ended }
      .sorted { ids[$0] < ids[$1] }
    for ended in endedHolders where dependents[ended].contains(where: { deadlocked[$0] && !assigned[$0] }) {
      findings.append(
        Deadlock(
          kind: .heldByEndedTask, certainty: .certain, cycleTasks: [], otherMembers: [],
          blockedBehind: [], endedHolders: [ids[ended]],
          reason: "\(snapshot.label(task: ids[ended])) ended while holding what the others wait for"))
      spread(from: [ended], into: findings.count - 1, directWaitersAreMembers: true)
    }
    // The rest wait on something no task that can progress will ever use: stuck forever.
    // Those waiting on no other deadlocked task come first, so the rest fall behind them.
    let waitsOnNoOther = { (node: Int) in successors[node].allSatisfy { !deadlocked[$0] || $0 == node } }
    let unassigned = nodes.filter { !assigned[$0] }
    // Tasks stuck on the same resources are one finding (senders left behind together).
    var findingByResources: [[ResourceID]: Int] = [:]
    for node in unassigned.filter(waitsOnNoOther) + unassigned.filter({ !waitsOnNoOther($0) })
    where !assigned[node] {
      assigned[node] = true
      let resources = snapshot.tasks[node].wait?.resources ?? []
      if waitsOnNoOther(node), !resources.isEmpty, let existing = findingByResources[resources] {
        findings[existing].otherMembers.append(ids[node])
        spread(from: [node], into: existing, directWaitersAreMembers: false)
        continue
      }
      if waitsOnNoOther(node), !resources.isEmpty { findingByResources[resources] = findings.count }
      findings.append(
        Deadlock(
          kind: .stuckForever, certainty: guesses[node]?.isCertain == true ? .certain : .likely,
          cycleTasks: [],
          otherMembers: [ids[node]],
          blockedBehind: [], endedHolders: [],
          reason: guesses[node]?.describe(in: snapshot) ?? "no task that can progress will release it"))
      spread(from: [node], into: findings.count - 1, directWaitersAreMembers: false)
    }
    return findings
  }

  /// Tarjan's algorithm on nodes 0..<successors.count, iterative so that a long chain
  /// cannot overflow the stack.
  static func stronglyConnectedComponents(_ nodes: [Int], successors: [[Int]]) -> [[Int]] {
    var index = [Int](repeating: -1, count: successors.count)
    var lowLink = [Int](repeating: 0, count: successors.count)
    var onStack = [Bool](repeating: false, count: successors.count)
    var stack: [Int] = []
    var components: [[Int]] = []
    var counter = 0
    var work: [(node: Int, position: Int)] = []
    for root in nodes where index[root] < 0 {
      func visit(_ node: Int) {
        index[node] = counter
        lowLink[node] = counter
        counter += 1
        stack.append(node)
        onStack[node] = true
        work.append((node, 0))
      }
      visit(root)
      while let (node, position) = work.last {
        if position < successors[node].count {
          work[work.count - 1].position += 1
          let successor = successors[node][position]
          if index[successor] < 0 {
            visit(successor)
          } else if onStack[successor] {
            lowLink[node] = min(lowLink[node], index[successor])
          }
          continue
        }
        work.removeLast()
        if let parent = work.last?.node { lowLink[parent] = min(lowLink[parent], lowLink[node]) }
        if lowLink[node] == index[node] {
          var component: [Int] = []
          while let member = stack.popLast() {
            onStack[member] = false
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
  /// The cycle a person means: the cheapest through any member, where a step costs by
  /// how directly it binds. A lock held, a join, a queued writer: 4. A WaitGroup's
  /// member: 5 (the member must finish its whole body). A channel (or Cond, WaitGroup by
  /// count) step to a task itself blocked on a channel: 4, that task is the channel's
  /// live peer; to a task waiting on something else, or doing the same on the same
  /// channel: 6, it would have to return from that wait first. So receive-first draws ping ↔ pong, not main → ping → main, and
  /// mutex-send the writer holding the lock its reader wants. Large components take the
  /// shortest cycle through their first member, to stay linear.
  private func drawnCycle(of members: [Int], within component: Set<Int>, successors: [[Int]]) -> [Int] {
    func cost(_ from: Int, _ to: Int) -> Int {
      switch snapshot.tasks[from].wait?.kind {
      case .send?, .receive?, .select?, .cond?, .waitGroup?:
        if snapshot.tasks[from].wait?.kind == .waitGroup && modes[from] == .all { return 5 }
        let peer = snapshot.tasks[to].wait.map { Self.channelOperations.contains($0.kind) } ?? false
        // Two tasks sending on one channel (or receiving from it) are no peers: neither
        // can release the other before something else releases it.
        let sameWay =
          [Wait.Kind.send, .receive].contains(snapshot.tasks[from].wait?.kind)
          && snapshot.tasks[to].wait?.kind == snapshot.tasks[from].wait?.kind
          && snapshot.tasks[to].wait?.target == snapshot.tasks[from].wait?.target
        return peer && !sameWay ? 4 : 6
      default: return 4
      }
    }
    guard component.count <= 256 else {
      return Self.rotatedToLowestID(
        Self.shortestCycle(through: members[0], within: component, successors: successors), ids: ids)
    }
    var best: (cost: Int, path: [Int])?
    for start in members.prefix(32) {
      guard
        let found = Self.cheapestCycle(through: start, within: component, successors: successors, cost: cost)
      else { continue }
      if best == nil || found.cost < best!.cost { best = (found.cost, found.path) }
    }
    return best.map { Self.rotatedToLowestID($0.path, ids: ids) } ?? [members[0]]
  }

  /// The cheapest cycle from `start` back to it inside `members`, and its cost.
  static func cheapestCycle(
    through start: Int, within members: Set<Int>, successors: [[Int]], cost: (Int, Int) -> Int
  ) -> (cost: Int, path: [Int])? {
    var distance: [Int: Int] = [start: 0]
    var parent: [Int: Int] = [:]
    var done = Set<Int>()
    var closing: (cost: Int, last: Int)?
    while let (node, reached) = distance.filter({ !done.contains($0.key) }).min(by: {
      ($0.value, $0.key) < ($1.value, $1.key)
    }) {
      if let closing, closing.cost <= reached { break }
      done.insert(node)
      for next in successors[node] where members.contains(next) {
        let total = reached + cost(node, next)
        if next == start {
          if closing == nil || total < closing!.cost { closing = (total, node) }
        } else if total < distance[next] ?? .max {
          distance[next] = total
          parent[next] = node
        }
      }
    }
    guard let closing else { return nil }
    var path = [closing.last]
    while let previous = parent[path[path.count - 1]] { path.append(previous) }
    return (closing.cost, path.reversed())
  }

  private static let channelOperations: Set<Wait.Kind> = [.send, .receive, .select]

  /// The same cycle, starting at its task with the lowest id.
  private static func rotatedToLowestID(_ path: [Int], ids: [TaskID]) -> [Int] {
    guard let first = path.indices.min(by: { ids[path[$0]] < ids[path[$1]] }) else { return path }
    return Array(path[first...] + path[..<first])
  }

  static func shortestCycle(through start: Int, within members: Set<Int>, successors: [[Int]]) -> [Int] {
    var parent: [Int: Int] = [:]
    var frontier = [start]
    while !frontier.isEmpty {
      var next: [Int] = []
      for node in frontier {
        for successor in successors[node] where members.contains(successor) {
          if successor == start {
            var path = [node]
            while let previous = parent[path[path.count - 1]] { path.append(previous) }
            return path.reversed()
          }
          if parent[successor] == nil && successor != start {
            parent[successor] = node
            next.append(successor)
          }
        }
      }
      frontier = next
    }
    return [start]
  }
}

/// A graph's edges in two flat arrays (compressed sparse rows): node `i`'s targets are
/// `targets[offsets[i]..<offsets[i + 1]]`. One allocation for all nodes, not one each.
struct Adjacency {
  private(set) var offsets: [Int]
  private(set) var targets: [Int]

  var count: Int { offsets.count - 1 }

  subscript(node: Int) -> ArraySlice<Int> { targets[offsets[node]..<offsets[node + 1]] }

  /// Builds the rows in node order: `add` targets of the current node, then `endNode`.
  struct Builder {
    private(set) var adjacency: Adjacency

    init(nodes: Int) {
      adjacency = Adjacency(offsets: [0], targets: [])
      adjacency.offsets.reserveCapacity(nodes + 1)
    }

    mutating func add(_ target: Int) { adjacency.targets.append(target) }
    mutating func endNode() { adjacency.offsets.append(adjacency.targets.count) }
  }

  /// The same edges, pointing the other way.
  func reversed() -> Adjacency {
    var counts = [Int](repeating: 0, count: count + 1)
    for target in targets { counts[target + 1] += 1 }
    for node in 0..<count { counts[node + 1] += counts[node] }
    var next = counts
    var reversedTargets = [Int](repeating: 0, count: targets.count)
    for node in 0..<count {
      for target in self[node] {
        reversedTargets[next[target]] = node
        next[target] += 1
      }
    }
    return Adjacency(offsets: counts, targets: reversedTargets)
  }
}
