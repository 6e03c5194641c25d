/// The report a person reads at 3 a.m.: the verdict first, each deadlock spelled out as
/// a chain, then every task (like a goroutine dump) and every lock.
public enum TextReport {
  /// `longWaitSeconds`: blocked tasks waiting at least this long are listed as long waits.
  public static func render(_ analysis: Analysis, longWaitSeconds: Double = 10) -> String {
    let snapshot = analysis.snapshot
    // One string written in order: a report of 10,000 tasks is some 100,000 lines, and
    // an array of them joined at the end costs as much again as writing them.
    var out = ""
    out.reserveCapacity(160 * (snapshot.tasks.count + snapshot.resources.count) + 4096)
    func line(_ text: String = "") {
      out += text
      out += "\n"
    }
    func lines(_ texts: [String]) { for text in texts { line(text) } }
    line(headline(snapshot))
    line()
    lines(verdict(analysis))
    for (index, deadlock) in analysis.deadlocks.enumerated() {
      line()
      lines(describe(deadlock, number: index + 1, in: analysis))
    }
    for starvation in analysis.starvedPools {
      line()
      lines(Self.lines(of: Explanation(starvation, in: analysis)))
    }
    for (index, potential) in analysis.potentialDeadlocks.enumerated() {
      line()
      lines(describe(potential, number: index + 1))
    }
    let long = analysis.longWaits(atLeast: longWaitSeconds)
    if !long.isEmpty {
      line()
      line("Long waits (at least \(formatDuration(longWaitSeconds)))")
      for task in long { lines(describeLongWait(task, in: analysis)) }
    }
    line()
    line("Tasks")
    for index in snapshot.tasks.indices { write(task: snapshot.tasks[index], in: analysis, to: &out) }
    if !snapshot.resources.isEmpty {
      line()
      line("Resources")
      for index in snapshot.resources.indices {
        line(describe(resource: snapshot.resources[index], in: analysis))
      }
    }
    if !snapshot.warnings.isEmpty {
      line()
      line("Warnings")
      for warning in snapshot.warnings { line("  ! \(warning)") }
    }
    return out
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
      + "up \(formatDuration(snapshot.uptimeSeconds)): \(counted(snapshot.tasks.count, "task")) ("
      + counts.joined(separator: ", ") + ")"
  }

  public static func verdict(_ analysis: Analysis) -> [String] {
    let count = analysis.deadlocks.count
    let potential = analysis.potentialDeadlocks.count
    if analysis.verdict == .unknown {
      return [
        "Verdict unknown: deadtop could not see what it needs to tell ("
          + analysis.snapshot.hiddenFacts.joined(separator: "; ") + ")."
      ]
    }
    if count == 0, let starvation = analysis.starvedPools.first {
      let pool = starvation.pool
      return [
        "HANG: no deadlock, but every thread of the \(pool.name) is blocked (\(starvation.threads.count) of "
          + "\(pool.width)): no async task can run."
      ]
    }
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

  /// A finding as text: the explanation's steps, indented by what they are.
  public static func describe(_ deadlock: Deadlock, number: Int, in analysis: Analysis) -> [String] {
    lines(of: Explanation(deadlock, number: number, in: analysis))
  }

  public static func lines(of explanation: Explanation) -> [String] {
    explanation.steps.map { step in
      switch step {
      case .heading(let text, _): text
      case .wait(let text, _): "    " + text
      case .edge(let text, _): "  → " + text
      case .section(let text), .reason(let text): "  " + text
      }
    }
  }

  /// A lock-order cycle: both (or all) acquisition orders with their call sites.
  public static func describe(_ potential: PotentialDeadlock, number: Int) -> [String] {
    let chain = (potential.classes + [potential.classes[0]]).map(\.label).joined(separator: " → ")
    let status = potential.happening.map { "it has happened: deadlock \($0)" } ?? "has not happened"
    var out = ["Potential deadlock \(number) (lock order, \(status)): \(chain)"]
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
    var out = ["  " + Explanation.waitLine(task.id, in: analysis.snapshot)]
    if let wait = task.wait, case .resource(let resource) = wait.target {
      for holder in analysis.holders[resource] ?? [] {
        var line = "    held by \(analysis.snapshot.label(task: holder.task))"
        if let site = holder.hold.site { line += ", acquired at \(site.description)" }
        out.append(line)
      }
    }
    return out
  }

  /// A task's block of the report, each line ended by a newline.
  static func write(task: TaskInfo, in analysis: Analysis, to out: inout String) {
    let facts = TaskFacts(task, in: analysis)
    out += "  "
    out += facts.title
    out += "\n"
    for fact in facts.lines {
      out += "      "
      if let label = fact.label { out += label.heading }
      out += fact.text
      out += "\n"
    }
    if !task.stack.isEmpty {
      out += "      stack:\n"
      for frame in task.stack {
        out += "        "
        out += frame
        out += "\n"
      }
    }
  }

  /// `, held by task 3 "b"` and `, behind queued writer task 4 "w"`: who must act first.
  public static func blockers(of task: TaskID, in analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    var heldBy: [String] = []
    var behind: [String] = []
    var busyOn: [String] = []
    for other in analysis.requirements[task]?.tasks ?? [] {
      switch analysis.edge(from: task, to: other) {
      case .holds(let hold)? where snapshot.kind(ofResource: hold.resource) == .dispatchQueue:
        busyOn.append(snapshot.label(task: other))
      case .holds?: heldBy.append(snapshot.label(task: other))
      case .queuedWriter?: behind.append(snapshot.label(task: other))
      case .joins?, .mayUse?, .member?, nil: continue
      }
    }
    var text = ""
    if !heldBy.isEmpty { text += ", held by " + heldBy.joined(separator: ", ") }
    if !behind.isEmpty { text += ", behind queued writer " + behind.joined(separator: ", ") }
    if !busyOn.isEmpty { text += ", running a block on " + busyOn.joined(separator: ", ") }
    return text
  }

  /// Who must act for `task` to go on, in a few words for a table: `pay-bob-alice`,
  /// `queued writer updater`, `members ping, pong`, `ping or main`, `any running task`.
  public static func blockedBy(_ task: TaskID, in analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    guard let requirement = analysis.requirements[task] else { return "" }
    if requirement.mode == .anyTask { return "any running task" }
    var owners: [String] = []
    var queued: [String] = []
    var members: [String] = []
    var users: [String] = []
    for other in requirement.tasks {
      let name = snapshot.name(task: other)
      switch analysis.edge(from: task, to: other) {
      case .holds?, .joins?: owners.append(name)
      case .queuedWriter?: queued.append(name)
      case .member?: members.append(name)
      case .mayUse?, nil: users.append(name)
      }
    }
    var parts: [String] = []
    if !owners.isEmpty { parts.append(owners.joined(separator: ", ")) }
    if !queued.isEmpty { parts.append("queued writer " + queued.joined(separator: ", ")) }
    if !members.isEmpty { parts.append("members " + members.joined(separator: ", ")) }
    if !users.isEmpty { parts.append(users.joined(separator: " or ")) }
    return parts.joined(separator: "; ")
  }

  static func describe(resource: ResourceInfo, in analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    var line = "  \(snapshot.label(resource: resource.id))"
    if resource.name != nil, let site = resource.site { line += " (created at \(site.description))" }
    let holders = analysis.holders(of: resource)
    if let state = snapshot.describeState(of: resource) {
      line += ": " + state
      if resource.kind == .dispatchQueue, !holders.isEmpty {
        line +=
          ", running a block on " + holders.map { snapshot.label(task: $0.task) }.joined(separator: ", ")
      } else if resource.kind == .semaphore, !holders.isEmpty {
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
