/// Why one blocked task waits for another: the words on an arrow of the wait-for graph.
public enum WaitEdge: Sendable, Equatable {
  /// The other task holds the resource this one waits for.
  case holds(Hold)
  /// The other task is a writer queued ahead on the rwmutex this one waits for.
  case queuedWriter(ResourceID)
  /// This task joins the other.
  case joins

  public var resource: ResourceID? {
    switch self {
    case .holds(let hold): return hold.resource
    case .queuedWriter(let resource): return resource
    case .joins: return nil
    }
  }
}

extension Analysis {
  /// Why `waiter` waits for `other`, or nil if it does not.
  public func edge(from waiter: TaskID, to other: TaskID) -> WaitEdge? {
    guard requirements[waiter]?.tasks.contains(other) == true,
      let wait = snapshot.task(waiter)?.wait
    else { return nil }
    switch wait.target {
    case .task: return .joins
    case .resource(let resource):
      if let held = holders[resource]?.first(where: { $0.task == other }) {
        return .holds(held.hold)
      }
      return .queuedWriter(resource)
    }
  }

  /// Every resource a finding involves: what its tasks wait for and the ended tasks hold.
  public func resources(of deadlock: Deadlock) -> [ResourceID] {
    var seen = Set<ResourceID>()
    var result: [ResourceID] = []
    for id in deadlock.cycleTasks + deadlock.otherMembers {
      if let wait = snapshot.task(id)?.wait, case .resource(let resource) = wait.target,
        seen.insert(resource).inserted
      {
        result.append(resource)
      }
    }
    return result
  }
}
