/// Why one blocked task waits for another: the words on an arrow of the wait-for graph.
public enum WaitEdge: Sendable, Equatable {
  /// The other task holds the resource this one waits for.
  case holds(Hold)
  /// The other task is a writer queued ahead on the rwmutex this one waits for.
  case queuedWriter(ResourceID)
  /// This task joins the other.
  case joins
  /// The other task may still use the channel (or Cond, WaitGroup) this one waits on.
  case mayUse(ResourceID)
  /// The other task is a member the WaitGroup waits for.
  case member(ResourceID)

  public var resource: ResourceID? {
    switch self {
    case .holds(let hold): return hold.resource
    case .queuedWriter(let resource), .mayUse(let resource), .member(let resource): return resource
    case .joins: return nil
    }
  }
}

extension Analysis {
  /// Why `waiter` waits for `other`, or nil if it does not.
  public func edge(from waiter: TaskID, to other: TaskID) -> WaitEdge? {
    // Read in place: `snapshot.task(_:)` would copy the whole record for one field.
    guard requirements[waiter]?.tasks.contains(other) == true,
      let position = snapshot.position(of: waiter), let wait = snapshot.tasks[position].wait
    else { return nil }
    switch wait.target {
    case .task: return .joins
    case .resource(let resource):
      switch wait.kind {
      case .send, .receive, .select, .cond, .waitGroup:
        let candidates = wait.resources
        let used = candidates.first { candidate in
          snapshot.position(ofResource: candidate).map { snapshot.resources[$0].users.contains(other) }
            == true
        }
        let chosen = used ?? candidates.first ?? resource
        if wait.kind == .waitGroup,
          snapshot.position(ofResource: chosen).map({ snapshot.resources[$0].listsMembers }) == true
        {
          return .member(chosen)
        }
        return .mayUse(chosen)
      case .semaphore:
        return .holds(Hold(resource: resource, mode: .exclusive))
      default:
        if let held = holders[resource]?.first(where: { $0.task == other }) {
          return .holds(held.hold)
        }
        return .queuedWriter(resource)
      }
    }
  }

  /// Every resource a finding involves: what its tasks wait for and the ended tasks hold.
  public func resources(of deadlock: Deadlock) -> [ResourceID] {
    var seen = Set<ResourceID>()
    var result: [ResourceID] = []
    for id in deadlock.cycleTasks + deadlock.otherMembers {
      for resource in snapshot.task(id)?.wait?.resources ?? [] where seen.insert(resource).inserted {
        result.append(resource)
      }
    }
    return result
  }
}
