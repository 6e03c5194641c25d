/// Lock-order prediction (lockdep's idea): a cycle in the graph of lock classes, built
/// from every "took B while holding A", is a deadlock that can happen even if it never has.
public struct PotentialDeadlock: Sendable, Equatable {
  public enum Kind: String, Sendable {
    /// Two or more classes taken in orders that form a cycle.
    case lockOrder = "lock-order"
    /// A read lock re-taken on one RWMutex while held, whose class some task write-locks:
    /// a writer that queues between the two read locks deadlocks with the reader.
    case readWriteRead = "read-write-read"
  }
  public var kind: Kind = .lockOrder
  /// The classes around the cycle, in order.
  public var classes: [LockClass]
  /// For each class, the order that leads from it to the next.
  public var edges: [LockOrderEdge]
  /// The number (from 1) of the current deadlock whose locks are exactly these classes:
  /// the prediction has come true. Nil while it has not happened.
  public var happening: Int?
}

public enum LockOrder {
  /// The cycles among lock classes. A read lock cannot block another read lock, so a cycle
  /// through a class only ever read-locked is reported only if some task write-locks it.
  public static func potentialDeadlocks(_ edges: [LockOrderEdge]) -> [PotentialDeadlock] {
    var position: [UInt32: Int] = [:]
    var classes: [LockClass] = []
    func node(_ lockClass: LockClass) -> Int {
      if let existing = position[lockClass.key] { return existing }
      position[lockClass.key] = classes.count
      classes.append(lockClass)
      return classes.count - 1
    }
    var successors: [[Int]] = []
    var edgeBetween: [Int: [Int: LockOrderEdge]] = [:]
    var writeLocked = Set<Int>()
    var recursiveReads: [LockOrderEdge] = []
    for edge in edges {
      if edge.isFact {
        if edge.marksWriteLocked { writeLocked.insert(node(edge.from)) }
        if edge.isRecursiveRead { recursiveReads.append(edge) }
        continue
      }
      let from = node(edge.from)
      let to = node(edge.to)
      while successors.count < classes.count { successors.append([]) }
      if edgeBetween[from]?[to] == nil {
        successors[from].append(to)
        edgeBetween[from, default: [:]][to] = edge
      }
      if edge.fromMode == .exclusive { writeLocked.insert(from) }
      if edge.toMode == .exclusive { writeLocked.insert(to) }
    }
    while successors.count < classes.count { successors.append([]) }
    let order = classes.indices.sorted { classes[$0].label < classes[$1].label }
    var found: [PotentialDeadlock] = []
    for component in WaitGraph.stronglyConnectedComponents(order, successors: successors)
    where component.count > 1 {
      let members = component.sorted { classes[$0].label < classes[$1].label }
      let cycle = WaitGraph.shortestCycle(through: members[0], within: Set(members), successors: successors)
      let cycleEdges = cycle.indices.map { index in
        edgeBetween[cycle[index]]![cycle[(index + 1) % cycle.count]]!
      }
      let onlyRead = cycle.indices.contains { index in
        let lock = cycle[index]
        let incoming = cycleEdges[(index + cycle.count - 1) % cycle.count]
        let outgoing = cycleEdges[index]
        return incoming.toMode == .shared && outgoing.fromMode == .shared && !writeLocked.contains(lock)
      }
      if onlyRead { continue }
      found.append(PotentialDeadlock(classes: cycle.map { classes[$0] }, edges: cycleEdges))
    }
    // A re-taken read lock needs a writer to deadlock: reported when its class is
    // write-locked somewhere, in a run that has not deadlocked as well as one that has.
    for edge in recursiveReads where writeLocked.contains(node(edge.from)) {
      found.append(PotentialDeadlock(kind: .readWriteRead, classes: [edge.from], edges: [edge]))
    }
    return found
  }
}

extension Analysis {
  /// Blocked tasks that have waited at least `seconds`, longest first, deadlocked or not.
  public func longWaits(atLeast seconds: Double) -> [TaskInfo] {
    snapshot.tasks.filter { task in
      guard task.state == .blocked, let wait = task.wait, wait.kind != .futex else { return false }
      return snapshot.seconds(since: wait.sinceNanoseconds) >= seconds
    }.sorted {
      ($0.wait?.sinceNanoseconds ?? 0) < ($1.wait?.sinceNanoseconds ?? 0)
    }
  }

  /// The lock-order cycles, each marked with the current deadlock it has become, if any.
  public var potentialDeadlocks: [PotentialDeadlock] {
    var cycles = LockOrder.potentialDeadlocks(snapshot.lockOrder)
    guard !deadlocks.isEmpty else { return cycles }
    let classesOfDeadlocks = deadlocks.map { deadlock in
      Set(resources(of: deadlock).compactMap { snapshot.resource($0).flatMap(LockClass.Identity.init) })
    }
    for index in cycles.indices {
      let identities = Set(cycles[index].classes.map(\.identity))
      if let found = classesOfDeadlocks.firstIndex(where: { identities.isSubset(of: $0) && !$0.isEmpty }) {
        cycles[index].happening = found + 1
      }
    }
    return cycles
  }
}

extension LockClass.Identity {
  /// The class a lock belongs to: its name, or its creation site when it has none.
  init?(_ resource: ResourceInfo) {
    guard resource.kind == .mutex || resource.kind == .rwMutex || resource.kind == .once else { return nil }
    if let name = resource.name {
      self = .name(name)
    } else if let site = resource.site {
      self = .createdAt(site)
    } else {
      return nil
    }
  }
}
