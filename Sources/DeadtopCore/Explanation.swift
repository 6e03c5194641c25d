/// A finding as the steps a person reads, each with the task it is about: the text
/// report prints them, the deadlocks view draws them (and Enter opens their tasks), and
/// the JSON report carries them as one paragraph. The wording has this one home.
public struct Explanation: Sendable, Equatable {
  public enum Step: Sendable, Equatable {
    /// `Deadlock 1: cycle of 2 tasks (certain)`, about the first task of the cycle.
    case heading(String, task: TaskID?)
    /// `task 2 "a" waits to lock mutex "B" for 2.1s, at Bank.swift:3 in move()`
    case wait(String, task: TaskID)
    /// Why the task of the wait before waits for `task`: `mutex "B" is held by task 3 "b" …`
    case edge(String, task: TaskID)
    /// `also in the cycle:`, `blocked behind it:`
    case section(String)
    /// `why certain: …`
    case reason(String)

    /// The task a step is about, for Enter.
    public var task: TaskID? {
      switch self {
      case .heading(_, let task): task
      case .wait(_, let task), .edge(_, let task): task
      case .section, .reason: nil
      }
    }
  }

  public var steps: [Step]

  public init(_ deadlock: Deadlock, number: Int, in analysis: Analysis) {
    let snapshot = analysis.snapshot
    var steps: [Step] = []
    func wait(_ task: TaskID) -> Step { .wait(Self.waitLine(task, in: snapshot), task: task) }
    switch deadlock.kind {
    case .cycle:
      let size = deadlock.cycleTasks.count
      let shape = size == 1 ? "a task waits for itself" : "cycle of \(size) tasks"
      steps.append(
        .heading(
          "Deadlock \(number): \(shape) (\(deadlock.certainty.rawValue))", task: deadlock.cycleTasks.first))
      for (position, task) in deadlock.cycleTasks.enumerated() {
        let next = deadlock.cycleTasks[(position + 1) % size]
        steps.append(wait(task))
        steps.append(
          .edge(Self.edgeLine(from: task, to: next, in: analysis, closing: position == size - 1), task: next))
      }
      if !deadlock.otherMembers.isEmpty {
        steps.append(.section("also in the cycle:"))
        steps += deadlock.otherMembers.map(wait)
      }
    case .heldByEndedTask:
      let ended = deadlock.endedHolders.map { snapshot.label(task: $0) }.joined(separator: ", ")
      steps.append(
        .heading(
          "Deadlock \(number): waiting on a lock that \(ended) still held when it ended "
            + "(\(deadlock.certainty.rawValue))", task: deadlock.otherMembers.first))
      for task in deadlock.otherMembers {
        steps.append(wait(task))
        if let holder = deadlock.endedHolders.first, let edge = analysis.edge(from: task, to: holder) {
          steps.append(
            .edge(Self.edgeText(edge, holder: holder, in: snapshot) + ", and has ended", task: holder))
        }
      }
    case .stuckForever:
      steps.append(
        .heading(
          "Deadlock \(number): stuck forever (\(deadlock.certainty.rawValue))",
          task: deadlock.otherMembers.first))
      steps += deadlock.otherMembers.map(wait)
    }
    steps.append(.reason("why \(deadlock.certainty.rawValue): \(deadlock.reason)"))
    if !deadlock.blockedBehind.isEmpty {
      steps.append(.section("blocked behind it:"))
      steps += deadlock.blockedBehind.map(wait)
    }
    self.steps = steps
  }

  /// `task 2 "abba-1" waits to lock mutex "B" for 2.1s, at ABBA.swift:34 in run()`
  public static func waitLine(_ id: TaskID, in snapshot: Snapshot) -> String {
    guard let task = snapshot.task(id), let wait = task.wait else {
      return snapshot.label(task: id)
    }
    var line =
      "\(snapshot.label(task: id)) waits to \(snapshot.describe(wait: wait)) for "
      + formatDuration(snapshot.seconds(since: wait.sinceNanoseconds))
    if let site = wait.site { line += ", at \(site.description)" }
    return line
  }

  public static func edgeLine(from task: TaskID, to next: TaskID, in analysis: Analysis, closing: Bool)
    -> String
  {
    guard let edge = analysis.edge(from: task, to: next) else {
      return analysis.snapshot.label(task: next)
    }
    let text = edgeText(edge, holder: next, in: analysis.snapshot)
    return closing ? text + ": back to the start" : text
  }

  /// `mutex "B" is held by task 3 "abba-2" (acquired at ABBA.swift:40 in run())`
  public static func edgeText(_ edge: WaitEdge, holder: TaskID, in snapshot: Snapshot) -> String {
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

}
