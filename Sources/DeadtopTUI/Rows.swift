import DeadtopCore

/// One row of the tasks table, already worded.
public struct TaskRow: Sendable, Equatable {
  public var id: TaskID
  public var tid: String
  public var name: String
  public var state: String
  public var wait: String
  public var waitSeconds: Double?
  public var holds: String
  public var holdCount: Int
  public var site: String
  public var deadlocked: Bool
  public var longWait: Bool
  public var ended: Bool

  var searchText: String {
    "\(id) \(tid) \(name) \(state) \(wait) \(holds) \(site)".lowercased()
  }
}

/// One row of the resources table.
public struct ResourceRow: Sendable, Equatable {
  public var id: ResourceID
  public var kind: String
  public var name: String
  /// "free", "held", or a channel's buffer fill and closed, a WaitGroup's counter, a
  /// semaphore's permits.
  public var state: String
  /// Lock and permit holders, or a WaitGroup's member tasks.
  public var holders: String
  public var holderCount: Int
  public var waiters: String
  public var waiterCount: Int
  public var site: String
  public var inDeadlock: Bool
  /// Contended acquisitions and the time spent waiting for them (the mutex profile).
  public var contended: UInt64
  public var waitedSeconds: Double

  var searchText: String { "\(id) \(kind) \(name) \(state) \(holders) \(waiters) \(site)".lowercased() }
}

public enum Rows {
  /// The tasks in the order and selection the state asks for. Sorting needs no
  /// wording, so only the rows on screen are worded (10,000 tasks stay cheap); a
  /// filter matches the worded row, so it words them all.
  public static func taskOrder(_ analysis: Analysis, state: AppState, longWaitSeconds: Double) -> [TaskID] {
    let snapshot = analysis.snapshot
    struct Key {
      let id: TaskID
      let name: String
      let rank: Int
      let state: String
      let wait: Double
      let holds: Int
    }
    var keys: [Key] = []
    keys.reserveCapacity(snapshot.tasks.count)
    let needle = state.filter.lowercased()
    let sort = state.sort
    for index in snapshot.tasks.indices {
      let id = snapshot.tasks[index].id
      if !needle.isEmpty
        && !taskRow(id, analysis, longWaitSeconds: longWaitSeconds).searchText.contains(needle)
      {
        continue
      }
      // Only the key the sort uses: no TaskInfo copied, no set probed for the rest.
      keys.append(
        Key(
          id: id, name: sort == .name ? snapshot.tasks[index].name : "",
          rank: sort == .state && !analysis.deadlocked.contains(id) ? 1 : 0,
          state: sort == .state ? snapshot.tasks[index].state.rawValue : "",
          wait: sort == .wait
            ? snapshot.tasks[index].wait.map { snapshot.seconds(since: $0.sinceNanoseconds) } ?? -1 : 0,
          holds: sort == .holds ? snapshot.tasks[index].holds.count + snapshot.tasks[index].unlistedHolds : 0)
      )
    }
    keys.sort { a, b in
      let ordered: Bool
      switch state.sort {
      case .id: ordered = a.id < b.id
      case .name: ordered = (a.name, a.id) < (b.name, b.id)
      case .state: ordered = (a.rank, a.state, a.id) < (b.rank, b.state, b.id)
      case .wait: ordered = (a.wait, b.id) > (b.wait, a.id)
      case .holds: ordered = (a.holds, b.id) > (b.holds, a.id)
      }
      return state.sortDescending ? !ordered : ordered
    }
    return keys.map(\.id)
  }

  public static func tasks(_ analysis: Analysis, state: AppState, longWaitSeconds: Double) -> [TaskRow] {
    taskOrder(analysis, state: state, longWaitSeconds: longWaitSeconds).map {
      taskRow($0, analysis, longWaitSeconds: longWaitSeconds)
    }
  }

  /// One task, worded for the table.
  public static func taskRow(_ id: TaskID, _ analysis: Analysis, longWaitSeconds: Double) -> TaskRow {
    let snapshot = analysis.snapshot
    guard let task = snapshot.task(id) else {
      return TaskRow(
        id: id, tid: "-", name: "task \(id)", state: "gone", wait: "", waitSeconds: nil, holds: "",
        holdCount: 0, site: "", deadlocked: false, longWait: false, ended: true)
    }
    var wait = task.detail ?? ""
    var seconds: Double?
    if let current = task.wait {
      wait = snapshot.describe(wait: current) + TextReport.blockers(of: task.id, in: analysis)
      seconds = snapshot.seconds(since: current.sinceNanoseconds)
    }
    let holds =
      task.holds.map { snapshot.describe(hold: $0) }
      + (task.unlistedHolds > 0 ? ["+\(task.unlistedHolds) more"] : [])
    let site = task.wait?.site ?? task.holds.last?.site ?? task.spawnSite
    let deadlocked = analysis.deadlocked.contains(task.id)
    return TaskRow(
      id: task.id, tid: task.osThreadID == 0 ? "-" : "\(task.osThreadID)", name: task.name,
      state: task.state.rawValue, wait: wait, waitSeconds: seconds,
      holds: holds.joined(separator: ", "), holdCount: task.holds.count + task.unlistedHolds,
      site: site.map { "\($0.file.split(separator: "/").last ?? ""):\($0.line)" } ?? "",
      deadlocked: deadlocked, longWait: !deadlocked && (seconds ?? 0) >= longWaitSeconds,
      ended: task.state == .ended)
  }

  public static func resources(_ analysis: Analysis, state: AppState) -> [ResourceRow] {
    let snapshot = analysis.snapshot
    var deadlocked = Set<ResourceID>()
    for deadlock in analysis.deadlocks { deadlocked.formUnion(analysis.resources(of: deadlock)) }
    var rows = snapshot.resources.map { resource -> ResourceRow in
      let holders = analysis.holders(of: resource)
      let waiters = analysis.waiters[resource.id] ?? []
      let owners =
        resource.kind == .waitGroup && resource.listsMembers
        ? resource.users.map { snapshot.name(task: $0) }
        : holders.map { snapshot.name(task: $0.task) + ($0.hold.mode == .shared ? " (read)" : "") }
      return ResourceRow(
        id: resource.id, kind: resource.kind.rawValue, name: snapshot.name(resource: resource.id),
        state: snapshot.describeState(of: resource) ?? (holders.isEmpty ? "free" : "held"),
        holders: owners.joined(separator: ", "),
        holderCount: owners.count,
        waiters: waiters.map { snapshot.name(task: $0) }.joined(separator: ", "),
        waiterCount: waiters.count,
        site: resource.site.map { "\($0.file):\($0.line)" } ?? "",
        inDeadlock: deadlocked.contains(resource.id), contended: resource.contention.contended,
        waitedSeconds: Double(resource.contention.totalWaitNanoseconds) / 1e9)
    }
    if !state.filter.isEmpty {
      let needle = state.filter.lowercased()
      rows = rows.filter { $0.searchText.contains(needle) }
    }
    rows.sort { a, b in
      let ordered: Bool
      switch state.sort {
      case .id: ordered = a.id < b.id
      case .name: ordered = (a.name, a.id) < (b.name, b.id)
      case .state: ordered = (a.inDeadlock ? 0 : 1, a.kind, a.id) < (b.inDeadlock ? 0 : 1, b.kind, b.id)
      case .wait: ordered = (a.waitedSeconds, a.waiterCount, b.id) > (b.waitedSeconds, b.waiterCount, a.id)
      case .holds: ordered = (a.holderCount, a.id) > (b.holderCount, b.id)
      }
      return state.sortDescending ? !ordered : ordered
    }
    return rows
  }
}
