/// The report a person reads at 3 a.m.: the verdict first, each deadlock spelled out as
/// a chain, then every task (like a goroutine dump) and every lock.
public enum TextReport {
  /// `longWaitSeconds`: blocked tasks waiting at least this long are listed as long waits.
  public static func render(_ analysis: Analysis, longWaitSeconds: Double = 10) -> String {
    let snapshot = analysis.snapshot
    var out: [String] = []
    out.append(headline(snapshot))
    out.append("")
    out.append(contentsOf: verdict(analysis))
    for (index, deadlock) in analysis.deadlocks.enumerated() {
      out.append("")
      out.append(contentsOf: describe(deadlock, number: index + 1, in: analysis))
    }
    for (index, potential) in analysis.potentialDeadlocks.enumerated() {
      out.append("")
      out.append(contentsOf: describe(potential, number: index + 1))
    }
    let long = analysis.longWaits(atLeast: longWaitSeconds)
    if !long.isEmpty {
      out.append("")
      out.append("Long waits (at least \(formatDuration(longWaitSeconds)))")
      for task in long { out.append(contentsOf: describeLongWait(task, in: analysis)) }
    }
    out.append("")
    out.append("Tasks")
    for task in snapshot.tasks { out.append(contentsOf: describe(task: task, in: analysis)) }
    let locks = snapshot.resources
    if !locks.isEmpty {
      out.append("")
      out.append("Resources")
      for resource in locks { out.append(describe(resource: resource, in: analysis)) }
    }
    if !snapshot.warnings.isEmpty {
      out.append("")
      out.append("Warnings")
      for warning in snapshot.warnings { out.append("  ! \(warning)") }
    }
    return out.joined(separator: "\n") + "\n"
  }

  public static func headline(_ snapshot: Snapshot) -> String {
    let counts = TaskState.allCases.map { "\(snapshot.taskCount($0)) \($0.rawValue)" }
    let source =
      switch snapshot.process.source {
      case .runtime: "Deadtop runtime (segment ABI \(snapshot.process.abiVersion))"
      case .proc: "/proc"
      case .recording: "a recording"
      }
    return
      "Process \(snapshot.process.pid) \"\(snapshot.process.name)\" via \(source), "
      + "up \(formatDuration(snapshot.uptimeSeconds)): \(snapshot.tasks.count) tasks ("
      + counts.joined(separator: ", ") + ")"
  }

  public static func verdict(_ analysis: Analysis) -> [String] {
    let count = analysis.deadlocks.count
    let potential = analysis.potentialDeadlocks.count
    guard count > 0 else {
      return potential == 0
        ? ["No deadlock found."]
        : [
          "No deadlock found, but \(potential) potential deadlock\(potential == 1 ? "" : "s") from lock order."
        ]
    }
    let noun = count == 1 ? "1 deadlock" : "\(count) deadlocks"
    let stuck = analysis.deadlocked.count
    if analysis.isGlobal {
      return [
        "DEADLOCK: \(noun), \(stuck == 1 ? "1 task" : "\(stuck) tasks") stuck. Every live task is blocked: the whole "
          + "process is stuck (Go: \"all goroutines are asleep\")."
      ]
    }
    return [
      "DEADLOCK: \(noun), \(stuck) of \(analysis.liveTaskCount) live tasks stuck; "
        + "the others run on (a partial deadlock)."
    ]
  }

  public static func describe(_ deadlock: Deadlock, number: Int, in analysis: Analysis) -> [String] {
    let snapshot = analysis.snapshot
    var out: [String] = []
    switch deadlock.kind {
    case .cycle:
      let size = deadlock.cycleTasks.count
      let shape = size == 1 ? "a task waits for itself" : "cycle of \(size) tasks"
      out.append("Deadlock \(number): \(shape) (\(deadlock.certainty.rawValue))")
      for (position, task) in deadlock.cycleTasks.enumerated() {
        let next = deadlock.cycleTasks[(position + 1) % size]
        out.append("    " + waitLine(task, in: snapshot))
        out.append("  → " + edgeLine(from: task, to: next, in: analysis, closing: position == size - 1))
      }
      if !deadlock.otherMembers.isEmpty {
        out.append("  also in the cycle:")
        for task in deadlock.otherMembers { out.append("    " + waitLine(task, in: snapshot)) }
      }
    case .heldByEndedTask:
      let ended = deadlock.endedHolders.map { snapshot.label(task: $0) }.joined(separator: ", ")
      out.append(
        "Deadlock \(number): waiting on a lock that \(ended) still held when it ended "
          + "(\(deadlock.certainty.rawValue))")
      for task in deadlock.otherMembers {
        out.append("    " + waitLine(task, in: snapshot))
        if let holder = deadlock.endedHolders.first,
          let edge = analysis.edge(from: task, to: holder)
        {
          out.append("  → " + edgeText(edge, holder: holder, in: snapshot) + ", and has ended")
        }
      }
    case .stuckForever:
      out.append("Deadlock \(number): stuck forever (\(deadlock.certainty.rawValue))")
      for task in deadlock.otherMembers { out.append("    " + waitLine(task, in: snapshot)) }
    }
    out.append("  why \(deadlock.certainty.rawValue): \(deadlock.reason)")
    if !deadlock.blockedBehind.isEmpty {
      out.append("  blocked behind it:")
      for task in deadlock.blockedBehind { out.append("    " + waitLine(task, in: snapshot)) }
    }
    return out
  }

  /// A lock-order cycle: both (or all) acquisition orders with their call sites.
  public static func describe(_ potential: PotentialDeadlock, number: Int) -> [String] {
    let chain = (potential.classes + [potential.classes[0]]).map(\.label).joined(separator: " → ")
    var out = ["Potential deadlock \(number) (lock order, has not happened): \(chain)"]
    for edge in potential.edges {
      var line = "    task \(edge.task) took \(edge.to.label)"
      if let site = edge.toSite { line += " at \(site.description)" }
      line += " while holding \(edge.from.label)"
      if let site = edge.fromSite { line += " (taken at \(site.description))" }
      out.append(line)
    }
    return out
  }

  static func describeLongWait(_ task: TaskInfo, in analysis: Analysis) -> [String] {
    var out = ["  " + waitLine(task.id, in: analysis.snapshot)]
    if let wait = task.wait, case .resource(let resource) = wait.target {
      for holder in analysis.holders[resource] ?? [] {
        var line = "    held by \(analysis.snapshot.label(task: holder.task))"
        if let site = holder.hold.site { line += ", acquired at \(site.description)" }
        out.append(line)
      }
    }
    return out
  }

  /// `task 2 "abba-1" waits to lock mutex "B" for 2.1s, at ABBA.swift:34 in run()`
  static func waitLine(_ id: TaskID, in snapshot: Snapshot) -> String {
    guard let task = snapshot.task(id), let wait = task.wait else {
      return snapshot.label(task: id)
    }
    var line =
      "\(snapshot.label(task: id)) waits to \(snapshot.describe(wait: wait)) for "
      + formatDuration(snapshot.seconds(since: wait.sinceNanoseconds))
    if let site = wait.site { line += ", at \(site.description)" }
    return line
  }

  static func edgeLine(from task: TaskID, to next: TaskID, in analysis: Analysis, closing: Bool)
    -> String
  {
    guard let edge = analysis.edge(from: task, to: next) else {
      return analysis.snapshot.label(task: next)
    }
    let text = edgeText(edge, holder: next, in: analysis.snapshot)
    return closing ? text + ": back to the start" : text
  }

  /// `mutex "B" is held by task 3 "abba-2" (acquired at ABBA.swift:40 in run())`
  static func edgeText(_ edge: WaitEdge, holder: TaskID, in snapshot: Snapshot) -> String {
    switch edge {
    case .holds(let hold):
      var text = "\(snapshot.describe(hold: hold)) is held by \(snapshot.label(task: holder))"
      if let site = hold.site { text += " (acquired at \(site.description))" }
      return text
    case .queuedWriter(let resource):
      return
        "\(snapshot.label(resource: resource)) has a writer queued first, "
        + "\(snapshot.label(task: holder)), and a queued writer blocks new readers"
    case .joins:
      return "\(snapshot.label(task: holder)) has not ended"
    case .mayUse(let resource):
      return
        "\(snapshot.label(resource: resource)) can only be used by \(snapshot.label(task: holder)), among others"
    case .member(let resource):
      return "\(snapshot.label(resource: resource)) waits for its member \(snapshot.label(task: holder))"
    }
  }

  public static func describe(task: TaskInfo, in analysis: Analysis) -> [String] {
    let snapshot = analysis.snapshot
    var title = "  \(snapshot.label(task: task.id))"
    if task.osThreadID != 0 { title += " (tid \(task.osThreadID))" }
    switch task.state {
    case .running: title += ": running"
    case .blocked:
      let since = task.wait.map { snapshot.seconds(since: $0.sinceNanoseconds) } ?? 0
      title += ": blocked for \(formatDuration(since))"
    case .ended:
      let ago = task.endedAtNanoseconds.map { snapshot.seconds(since: $0) } ?? 0
      title += ": ended \(formatDuration(ago)) ago"
    }
    if analysis.deadlocked.contains(task.id) { title += "  [DEADLOCKED]" }
    if task.stale { title += "  [stale]" }
    var out = [title]
    if task.detail != nil || task.cpuSeconds != nil {
      let cpu = task.cpuSeconds.map { "cpu \(formatDuration($0))" }
      out.append("      kernel:  " + [task.detail, cpu].compactMap { $0 }.joined(separator: ", "))
    }
    if let wait = task.wait {
      var line = "      waiting: \(snapshot.describe(wait: wait))"
      if let site = wait.site { line += " at \(site.description)" }
      out.append(line + blockers(of: task.id, in: analysis))
    }
    for hold in task.holds {
      var line = "      holds:   \(snapshot.describe(hold: hold))"
      if let site = hold.site { line += ", acquired at \(site.description)" }
      out.append(line)
    }
    if task.unlistedHolds > 0 {
      out.append("      holds:   \(task.unlistedHolds) more locks, not listed")
    }
    if let spawn = task.spawnSite { out.append("      spawned at \(spawn.description)") }
    if !task.stack.isEmpty {
      out.append("      stack:")
      out += task.stack.map { "        \($0)" }
    }
    return out
  }

  /// `, held by task 3 "b"` and `, behind queued writer task 4 "w"`: who must act first.
  public static func blockers(of task: TaskID, in analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    var heldBy: [String] = []
    var behind: [String] = []
    for other in analysis.requirements[task]?.tasks ?? [] {
      switch analysis.edge(from: task, to: other) {
      case .holds?: heldBy.append(snapshot.label(task: other))
      case .queuedWriter?: behind.append(snapshot.label(task: other))
      case .joins?, .mayUse?, .member?, nil: continue
      }
    }
    var text = ""
    if !heldBy.isEmpty { text += ", held by " + heldBy.joined(separator: ", ") }
    if !behind.isEmpty { text += ", behind queued writer " + behind.joined(separator: ", ") }
    return text
  }

  static func describe(resource: ResourceInfo, in analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    var line = "  \(snapshot.label(resource: resource.id))"
    if resource.name != nil, let site = resource.site { line += " (created at \(site.description))" }
    let holders = analysis.holders(of: resource)
    if let state = snapshot.describeState(of: resource) {
      line += ": " + state
      if resource.kind == .semaphore, !holders.isEmpty {
        line += ", held by " + holders.map { snapshot.label(task: $0.task) }.joined(separator: ", ")
      } else if !resource.users.isEmpty {
        line += resource.listsMembers ? ", members " : ", used by "
        line += resource.users.map { snapshot.label(task: $0) }.joined(separator: ", ")
      }
    } else if holders.isEmpty {
      line += ": free"
    } else {
      let names = holders.map { holder in
        snapshot.label(task: holder.task)
          + (resource.kind == .rwMutex ? (holder.hold.mode == .shared ? " (read)" : " (write)") : "")
      }
      line += ": held by " + names.joined(separator: ", ")
    }
    let waiting = analysis.waiters[resource.id] ?? []
    if !waiting.isEmpty {
      line += "; waiting: " + waiting.map { snapshot.label(task: $0) }.joined(separator: ", ")
    }
    return line
  }
}
