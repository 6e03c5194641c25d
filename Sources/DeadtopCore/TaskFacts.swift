/// What a report or a view points at: a task or a resource.
public enum Subject: Sendable, Hashable {
  case task(TaskID)
  case resource(ResourceID)
}

/// One task as the lines of a goroutine dump: the text report prints them indented, the
/// details view draws them (Enter follows each line's subject). One home for the wording.
public struct TaskFacts: Sendable, Equatable {
  public enum Label: String, Sendable {
    case kernel, waiting, holds

    /// `waiting: `: the label and the spaces that line the texts up.
    public var heading: String {
      switch self {
      case .kernel: "kernel:  "
      case .waiting: "waiting: "
      case .holds: "holds:   "
      }
    }
  }

  public struct Line: Sendable, Equatable {
    /// Nil for a line that is a sentence of its own (`spawned at …`).
    public var label: Label?
    public var text: String
    public var subject: Subject?
  }

  /// `task 2 "abba-1" (tid 4242): blocked for 2.1s  [DEADLOCKED]`
  public var title: String
  public var lines: [Line]

  public init(_ task: TaskInfo, in analysis: Analysis) {
    let snapshot = analysis.snapshot
    var title = snapshot.label(task: task.id)
    if task.osThreadID != 0 { title += " (tid \(task.osThreadID))" }
    switch task.state {
    case .running: title += ": running"
    case .blocked:
      title += ": blocked for " + (task.wait.map { snapshot.waited($0) } ?? formatDuration(0))
    case .ended:
      let ago = task.endedAtNanoseconds.map { snapshot.seconds(since: $0) } ?? 0
      title += ": ended \(formatDuration(ago)) ago"
    }
    if analysis.deadlocked.contains(task.id) { title += "  [DEADLOCKED]" }
    if task.stale { title += "  [stale]" }
    self.title = title
    var lines: [Line] = []
    if task.detail != nil || task.cpuSeconds != nil {
      let cpu = task.cpuSeconds.map { "cpu \(formatDuration($0))" }
      lines.append(Line(label: .kernel, text: [task.detail, cpu].compactMap { $0 }.joined(separator: ", ")))
    }
    if let wait = task.wait {
      var text = snapshot.describe(wait: wait)
      if let site = wait.site { text += " at \(site.description)" }
      let subject: Subject? =
        switch wait.target {
        case .task(let joined): .task(joined)
        case .resource(let resource): resource == 0 ? nil : .resource(resource)
        }
      lines.append(
        Line(label: .waiting, text: text + TextReport.blockers(of: task.id, in: analysis), subject: subject))
    }
    for hold in task.holds {
      var text = snapshot.describe(hold: hold)
      if let site = hold.site { text += ", acquired at \(site.description)" }
      lines.append(Line(label: .holds, text: text, subject: .resource(hold.resource)))
    }
    if task.unlistedHolds > 0 {
      lines.append(Line(label: .holds, text: "\(task.unlistedHolds) more locks, not listed"))
    }
    if let spawn = task.spawnSite { lines.append(Line(text: "spawned at \(spawn.description)")) }
    self.lines = lines
  }
}

extension TaskFacts.Line {
  init(label: TaskFacts.Label? = nil, text: String) { self.init(label: label, text: text, subject: nil) }
}
