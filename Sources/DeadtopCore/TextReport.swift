/// The report a person reads at 3 a.m.: the verdict first, each deadlock spelled out as
/// a chain, then every task (like a goroutine dump) and every lock.
public enum TextReport {
  /// `longWaitSeconds`: blocked tasks waiting at least this long are listed as long waits.
  public static func render(_ analysis: Analysis, longWaitSeconds: Double = 10) -> String {
    let snapshot = analysis.snapshot
    // One string written in order: a report of 10,000 tasks is some 100,000 lines, and
    // an array of them joined at the end costs as much again as writing them.
    let out = TextBuffer(capacity: 160 * (snapshot.tasks.count + snapshot.resources.count) + 4096)
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
    for (index, leak) in analysis.retryLeaks.enumerated() {
      line()
      lines(Self.lines(of: Explanation(leak, number: index + 1, in: analysis)))
    }
    for (index, potential) in analysis.potentialDeadlocks.enumerated() {
      line()
      lines(describe(potential, number: index + 1))
    }
    if snapshot.process.source == .goDump {
      // A Go dump proves no edge: where its goroutines wait together is what it says.
      let groups = analysis.blockedGroups
      if !groups.isEmpty {
        line()
        line("Blocked \(snapshot.process.source.taskNoun)s, by where they wait")
        for group in groups { line("  " + group.describe(in: snapshot)) }
      }
    }
    let long = analysis.longWaits(atLeast: longWaitSeconds)
    if !long.isEmpty {
      line()
      line("Long waits (at least \(formatDuration(longWaitSeconds)))")
      for task in long { lines(describeLongWait(task, in: analysis)) }
    }
    line()
    line("Tasks")
    for index in snapshot.tasks.indices { write(task: snapshot.tasks[index], in: analysis, to: out) }
    if !snapshot.resources.isEmpty {
      line()
      line("Resources")
      for index in snapshot.resources.indices { write(resourceAt: index, in: analysis, to: out) }
    }
    if !snapshot.warnings.isEmpty {
      line()
      line("Warnings")
      for warning in snapshot.warnings { line("  ! \(warning)") }
    }
    return out.string
  }

  public static func headline(_ snapshot: Snapshot) -> String {
    if snapshot.process.source.isDump {
      let noun = snapshot.process.source.taskNoun
      let kind = snapshot.process.source == .goDump ? "a Go goroutine dump" : "a Java thread dump"
      let states = [TaskState.running, .blocked].map { "\(snapshot.taskCount($0)) \($0.rawValue)" }
      return "\(kind.prefix(1).uppercased() + kind.dropFirst()) \"\(snapshot.process.name)\": "
        + "\(counted(snapshot.tasks.count, noun)) (" + states.joined(separator: ", ") + ")"
        + (snapshot.declaredDeadlock.map { "; it says \"\($0)\"" } ?? "")
    }
    let counts = TaskState.allCases.map { "\(snapshot.taskCount($0)) \($0.rawValue)" }
    let source =
      switch snapshot.process.source {
      case .runtime: "Deadtop runtime (segment ABI \(snapshot.process.abiVersion))"
      case .proc: "/proc"
      case .recording: "a recording"
      case .goDump: "a Go goroutine dump"
      case .javaDump: "a Java thread dump"
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
      var but: [String] = []
      if potential > 0 { but.append("\(counted(potential, "potential deadlock")) from lock order") }
      let leaks = analysis.retryLeaks.count
      if leaks > 0 { but.append("\(counted(leaks, "task")) leaked, retrying forever") }
      return ["No deadlock found" + (but.isEmpty ? "." : ", but " + but.joined(separator: " and ") + ".")]
    }
    let noun = count == 1 ? "1 deadlock" : "\(count) deadlocks"
    let stuck = analysis.deadlocked.count
    let task = analysis.snapshot.process.source.taskNoun
    if analysis.isGlobal {
      return [
        "DEADLOCK: \(noun), \(counted(stuck, task)) stuck. Every live \(task) is blocked: the whole "
          + "process is stuck (Go: \"all goroutines are asleep\")."
      ]
    }
    return [
      "DEADLOCK: \(noun), \(stuck) of \(analysis.liveTaskCount) live \(task)s stuck; "
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
    let status = potential.happening.map { "it has happened: deadlock \($0)" } ?? "has not happened"
    if potential.kind == .readWriteRead, let edge = potential.edges.first {
      var line = "    task \(edge.task) read-locked \(edge.to.label) again"
      if let site = edge.toSite { line += " at \(site.description)" }
      line += " while holding a read lock of it"
      if let site = edge.fromSite { line += " (taken at \(site.description))" }
      return [
        "Potential deadlock \(number) (read-write-read, \(status)): \(edge.from.label) is write-locked "
          + "elsewhere, so a writer that queues between the two read locks waits for the first and blocks "
          + "the second",
        line,
      ]
    }
    let chain = (potential.classes + [potential.classes[0]]).map(\.label).joined(separator: " → ")
    var out = ["Potential deadlock \(number) (lock order, \(status)): \(chain)"]
    for edge in potential.edges {
      // A once is taken by calling `do` and held while its body runs.
      var line = "    task \(edge.task) \(edge.to.kind == .once ? "called do on" : "took") \(edge.to.label)"
      if let site = edge.toSite { line += " at \(site.description)" }
      line +=
        edge.from.kind == .once
        ? " while running the body of \(edge.from.label)" : " while holding \(edge.from.label)"
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
  static func write(task: TaskInfo, in analysis: Analysis, to out: TextBuffer) {
    var block = TaskBlock(out: out)  // a var: the protocol's methods are mutating
    TaskFacts.compose(task, in: analysis, into: &block)
    if !task.stack.isEmpty {
      out += "      stack:\n"
      for frame in task.stack {
        out += "        "
        out += frame
        out += "\n"
      }
    }
  }

  /// Writes a task's facts as the report's indented lines.
  private struct TaskBlock: TaskFacts.Writer {
    let out: TextBuffer

    mutating func title(_ write: (TextBuffer) -> Void) {
      out += "  "
      write(out)
      out += "\n"
    }

    mutating func line(_ label: TaskFacts.Label?, subject: Subject?, _ write: (TextBuffer) -> Void) {
      out += "      "
      if let label { out += label.heading }
      write(out)
      out += "\n"
    }
  }

  /// `, held by task 3 "b"` and `, behind queued writer task 4 "w"`: who must act first.
  public static func blockers(of task: TaskID, in analysis: Analysis) -> String {
    let text = TextBuffer()
    write(blockersOf: task, in: analysis, to: text)
    return text.string
  }

  public static func write(blockersOf task: TaskID, in analysis: Analysis, to out: TextBuffer) {
    guard let others = analysis.requirements[task]?.tasks, !others.isEmpty else { return }
    let snapshot = analysis.snapshot
    /// 0: holds what it waits for, 1: a queued writer ahead, 2: runs a block on the queue.
    func group(of other: TaskID) -> Int? {
      switch analysis.edge(from: task, to: other) {
      case .holds(let hold)? where snapshot.kind(ofResource: hold.resource) == .dispatchQueue: 2
      case .holds?: 0
      case .queuedWriter?: 1
      case .joins?, .mayUse?, .member?, nil: nil
      }
    }
    func heading(_ group: Int) -> String {
      switch group {
      case 0: ", held by "
      case 1: ", behind queued writer "
      default: ", running a block on "
      }
    }
    if others.count == 1 {
      guard let only = group(of: others[0]) else { return }
      out += heading(only)
      return snapshot.write(taskLabel: others[0], to: out)
    }
    let groups = others.map(group(of:))
    for written in 0..<3 {
      var first = true
      for (other, group) in zip(others, groups) where group == written {
        out += first ? heading(written) : ", "
        first = false
        snapshot.write(taskLabel: other, to: out)
      }
    }
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

  static func write(resourceAt position: Int, in analysis: Analysis, to out: TextBuffer) {
    let snapshot = analysis.snapshot
    let resource = snapshot.resources[position]
    func tasks(_ ids: some Sequence<TaskID>, separator: String = ", ") {
      var first = true
      for id in ids {
        if !first { out += separator }
        first = false
        snapshot.write(taskLabel: id, to: out)
      }
    }
    out += "  "
    snapshot.write(resourceLabel: resource.id, at: position, to: out)
    if resource.name != nil, let site = resource.site {
      out += " (created at "
      site.write(to: out)
      out += ")"
    }
    let holders = analysis.holders(of: resource)
    if let state = snapshot.describeState(of: resource) {
      out += ": "
      out += state
      if resource.kind == .dispatchQueue, !holders.isEmpty {
        out += ", running a block on "
        tasks(holders.lazy.map(\.task))
      } else if resource.kind == .semaphore, !holders.isEmpty {
        out += ", held by "
        tasks(holders.lazy.map(\.task))
      } else if !resource.users.isEmpty {
        out += resource.listsMembers ? ", members " : ", used by "
        for (index, user) in resource.users.enumerated() {
          if index > 0 { out += ", " }
          snapshot.write(taskLabel: user, to: out)
          out += resource.wayUsed(by: user)
        }
      }
    } else if holders.isEmpty && snapshot.process.source == .goDump {
      out += ": its holder and users are not in a goroutine dump"
    } else if holders.isEmpty {
      out += ": free"
    } else {
      out += ": held by "
      for (index, holder) in holders.enumerated() {
        if index > 0 { out += ", " }
        snapshot.write(taskLabel: holder.task, to: out)
        if resource.kind == .rwMutex { out += holder.hold.mode == .shared ? " (read)" : " (write)" }
      }
    }
    if let waiting = analysis.waiters[resource.id], !waiting.isEmpty {
      out += "; waiting: "
      tasks(waiting)
    }
    out += "\n"
  }
}
