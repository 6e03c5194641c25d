import DeadtopCore

/// Builds snapshots by hand, the way the analysis tests describe a process.
struct SnapshotBuilder {
  private(set) var tasks: [TaskInfo] = []
  private(set) var resources: [ResourceInfo] = []
  private var sequence: UInt64 = 0
  let now: UInt64 = 10_000_000_000

  @discardableResult
  mutating func mutex(_ id: ResourceID, _ name: String) -> ResourceID {
    resources.append(ResourceInfo(id: id, kind: .mutex, name: name))
    return id
  }

  @discardableResult
  mutating func rwMutex(_ id: ResourceID, _ name: String) -> ResourceID {
    resources.append(ResourceInfo(id: id, kind: .rwMutex, name: name))
    return id
  }

  /// A channel, WaitGroup, Cond or semaphore, created at `createdAt` (ns).
  @discardableResult
  mutating func synchronizer(
    _ id: ResourceID, _ kind: ResourceInfo.Kind, _ name: String, capacity: Int = 0, count: Int = 0,
    closed: Bool = false, clockDriven: Bool = false, users: [TaskID] = [], listsMembers: Bool = false,
    references: Int? = nil, createdAt: UInt64 = 1_000, madeIn function: String = "fetch()"
  ) -> ResourceID {
    var resource = ResourceInfo(
      id: id, kind: kind, name: name, site: CallSite(file: "App/Fetch.swift", line: 3, function: function),
      capacity: capacity, count: count, closed: closed,
      clockDriven: clockDriven, users: users, listsMembers: listsMembers, references: references)
    resource.createdAtNanoseconds = createdAt
    resources.append(resource)
    return id
  }

  mutating func running(
    _ id: TaskID, _ name: String, holds: [Hold] = [], parent: TaskID? = nil, createdAt: UInt64 = 0
  ) {
    tasks.append(
      TaskInfo(
        id: id, name: name, state: .running, holds: holds, parent: parent, createdAtNanoseconds: createdAt))
  }

  mutating func ended(_ id: TaskID, _ name: String, holds: [Hold] = []) {
    tasks.append(
      TaskInfo(id: id, name: name, state: .ended, holds: holds, endedAtNanoseconds: now - 1))
  }

  mutating func blocked(
    _ id: TaskID, _ name: String, on kind: Wait.Kind, _ target: Wait.Target, holds: [Hold] = [],
    sequence explicit: UInt64? = nil, cases: [Wait.Case] = [], deadline: UInt64? = nil,
    parent: TaskID? = nil, createdAt: UInt64 = 0
  ) {
    sequence += 1
    let wait = Wait(
      kind: kind, target: target, sinceNanoseconds: now - 2_000_000_000,
      sequence: explicit ?? sequence,
      site: CallSite(file: "App/Bank.swift", line: UInt32(id), function: "run()"), cases: cases,
      deadlineNanoseconds: deadline)
    tasks.append(
      TaskInfo(
        id: id, name: name, state: .blocked, wait: wait, holds: holds, parent: parent,
        createdAtNanoseconds: createdAt))
  }

  /// A select over `cases`, each a channel and what the task would do with it.
  mutating func selecting(_ id: TaskID, _ name: String, _ cases: [Wait.Case], deadline: UInt64? = nil) {
    blocked(id, name, on: .select, .resource(0), cases: cases, deadline: deadline)
  }

  var snapshot: Snapshot {
    Snapshot(
      process: ProcessSummary(pid: 42, name: "bank", source: .runtime, abiVersion: 1),
      takenAtNanoseconds: now, tasks: tasks, resources: resources)
  }

  var analysis: Analysis { Analysis(snapshot) }
}

func holding(_ resource: ResourceID, _ mode: HoldMode = .exclusive) -> Hold {
  Hold(resource: resource, mode: mode, site: CallSite(file: "App/Bank.swift", line: 7, function: "take()"))
}
