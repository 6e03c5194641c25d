/// Blocked tasks that wait in the same way at the same place: what a goroutine dump can
/// say when it proves no edge ("23 goroutines in chan receive at order.go:87 for ≥ 3
/// minutes"), as pprof's `debug=1` groups identical stacks.
public struct BlockedGroup: Sendable, Equatable {
  /// The dump's own word for the wait (`chan receive`, `semacquire`), else its kind.
  public var wait: String
  public var resource: ResourceID?
  public var site: CallSite?
  /// Longest waiting first.
  public var tasks: [TaskID]
  /// How long the one that has waited least has waited (a lower bound).
  public var leastWaitedSeconds: Double
}

extension Analysis {
  /// Blocked tasks grouped by what they wait in, on and where, largest groups first;
  /// sleeps and waits that end by themselves left out.
  public var blockedGroups: [BlockedGroup] {
    struct Key: Hashable {
      let wait: String
      let resource: ResourceID
      let site: CallSite?
    }
    var groups: [Key: [TaskInfo]] = [:]
    var order: [Key] = []
    for task in snapshot.tasks where task.state == .blocked {
      guard let wait = task.wait, wait.kind != .sleep, wait.deadlineNanoseconds == nil else { continue }
      let resource: ResourceID = if case .resource(let id) = wait.target { id } else { 0 }
      let word = task.detail?.split(separator: ",").first.map(String.init) ?? wait.kind.rawValue
      let key = Key(wait: word, resource: resource, site: wait.site)
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(task)
    }
    return order.map { key in
      let members = groups[key]!.sorted {
        ($0.wait?.sinceNanoseconds ?? 0) < ($1.wait?.sinceNanoseconds ?? 0)
      }
      return BlockedGroup(
        wait: key.wait, resource: key.resource == 0 ? nil : key.resource, site: key.site,
        tasks: members.map(\.id),
        leastWaitedSeconds: members.last.flatMap {
          $0.wait.map { snapshot.seconds(since: $0.sinceNanoseconds) }
        } ?? 0)
    }.sorted { $0.tasks.count > $1.tasks.count }
  }
}

extension BlockedGroup {
  /// `3 goroutines in chan receive at main.go:11 in main.leak for ≥ 3m0s`.
  public func describe(in snapshot: Snapshot) -> String {
    var text = "\(counted(tasks.count, snapshot.process.source.taskNoun)) in \(wait)"
    // A resource a dump knows only by where it is waited on is named by that site.
    if let resource, snapshot.resource(resource)?.name?.hasPrefix("a ") != true {
      text += " on \(snapshot.label(resource: resource))"
    }
    if let site { text += " at \(site.description)" }
    let minutes = Int(leastWaitedSeconds / 60)
    if snapshot.process.source == .goDump && minutes > 0 { text += " for ≥ \(counted(minutes, "minute"))" }
    return text
  }
}
