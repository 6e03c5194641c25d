/// What a report or a view points at: a task or a resource.
public enum Subject: Sendable, Hashable {
  case task(TaskID)
  case resource(ResourceID)
}

/// One task as the lines of a goroutine dump: the text report prints them indented, the
/// details view draws them (Enter follows each line's subject). One home for the wording:
/// `compose` says which lines a task has and writes each, for either of them.
public struct TaskFacts: Sendable, Equatable {
  public enum Label: String, Sendable {
    /// The kernel's view (via /proc); `state` is a dump's own word for it.
    case kernel, state, waiting, holds

    /// `waiting: `: the label and the spaces that line the texts up.
    public var heading: String {
      switch self {
      case .kernel: "kernel:  "
      case .state: "state:   "
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
    var collected = Collected()
    Self.compose(task, in: analysis, into: &collected)
    title = collected.title
    lines = collected.lines
  }

  /// Where `compose` writes: the title first, then each line, each text written by the
  /// closure it is given (so that a report appends to its own output, with no string
  /// per line).
  public protocol Writer {
    mutating func title(_ write: (TextBuffer) -> Void)
    mutating func line(_ label: Label?, subject: Subject?, _ write: (TextBuffer) -> Void)
  }

  private struct Collected: Writer {
    var title = ""
    var lines: [Line] = []

    mutating func title(_ write: (TextBuffer) -> Void) {
      let text = TextBuffer()
      write(text)
      title = text.string
    }

    mutating func line(_ label: Label?, subject: Subject?, _ write: (TextBuffer) -> Void) {
      let text = TextBuffer()
      write(text)
      lines.append(Line(label: label, text: text.string, subject: subject))
    }
  }

  public static func compose(_ task: TaskInfo, in analysis: Analysis, into writer: inout some Writer) {
    let snapshot = analysis.snapshot
    writer.title { out in
      snapshot.write(taskLabel: task.id, to: out)
      if task.osThreadID != 0 {
        out += " (tid "
        out.append(number: task.osThreadID)
        out += ")"
      }
      switch task.state {
      case .running: out += ": running"
      case .blocked:
        out += ": blocked for "
        out += task.wait.map { snapshot.waited($0) } ?? formatDuration(0)
      case .ended:
        let ago = task.endedAtNanoseconds.map { snapshot.seconds(since: $0) } ?? 0
        out += ": ended "
        out += formatDuration(ago)
        out += " ago"
      }
      if analysis.deadlocked.contains(task.id) { out += "  [DEADLOCKED]" }
      if analysis.retryLeaks.contains(where: { $0.task == task.id }) { out += "  [LEAKED: retries forever]" }
      if task.stale { out += "  [stale]" }
    }
    if task.detail != nil || task.cpuSeconds != nil {
      writer.line(snapshot.process.source.isDump ? .state : .kernel, subject: nil) { out in
        if let detail = task.detail { out += detail }
        if let cpu = task.cpuSeconds {
          if task.detail != nil { out += ", " }
          out += "cpu "
          out += formatDuration(cpu)
        }
      }
    }
    if let wait = task.wait {
      let subject: Subject? =
        switch wait.target {
        case .task(let joined): .task(joined)
        case .resource(let resource): resource == 0 ? nil : .resource(resource)
        }
      writer.line(.waiting, subject: subject) { out in
        snapshot.write(wait: wait, to: out)
        if let site = wait.site {
          out += " at "
          site.write(to: out)
        }
        TextReport.write(blockersOf: task.id, in: analysis, to: out)
      }
    }
    for hold in task.holds {
      writer.line(.holds, subject: .resource(hold.resource)) { out in
        snapshot.write(hold: hold, to: out)
        if let site = hold.site {
          out += ", acquired at "
          site.write(to: out)
        }
      }
    }
    if task.unlistedHolds > 0 {
      writer.line(.holds, subject: nil) { out in
        out.append(number: task.unlistedHolds)
        out += " more locks, not listed"
      }
    }
    if let spawn = task.spawnSite {
      writer.line(nil, subject: nil) { out in
        out += "spawned at "
        spawn.write(to: out)
      }
    }
  }
}
