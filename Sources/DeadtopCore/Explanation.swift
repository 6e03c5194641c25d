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
      let noun = snapshot.process.source.taskNoun
      let shape = size == 1 ? "a \(noun) waits for itself" : "cycle of \(size) \(noun)s"
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
        steps.append(.section("also deadlocked with it:"))
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
            .edge(Self.edgeText(edge, from: task, to: holder, in: snapshot) + ", and has ended", task: holder)
          )
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
      "\(snapshot.label(task: id)) \(waitClause(wait, in: snapshot)) for \(snapshot.waited(wait))"
    if let site = wait.site { line += ", at \(site.description)" }
    return line
  }

  /// `waits to lock mutex "B"`, `waits for waitgroup "players"`, `sleeps`: the verb a
  /// sentence about the task needs (never "waits to wait for").
  public static func waitClause(_ wait: Wait, in snapshot: Snapshot) -> String {
    let what = snapshot.describe(wait: wait)
    switch wait.kind {
    case .waitGroup, .cond, .futex, .once:
      // "wait for waitgroup X", "wait on cond X": the verb is already a wait.
      return "waits " + what.dropFirst("wait ".count)
    case .sleep: return "sleeps"
    default: return "waits to " + what
    }
  }

  public static func edgeLine(from task: TaskID, to next: TaskID, in analysis: Analysis, closing: Bool)
    -> String
  {
    guard let edge = analysis.edge(from: task, to: next) else {
      return analysis.snapshot.label(task: next)
    }
    let text = edgeText(edge, from: task, to: next, in: analysis.snapshot)
    return closing ? text + ": back to the start" : text
  }

  /// Why `waiter` waits for `other`, in the words of the primitive:
  /// `mutex "B" is held by task 3 "abba-2" (acquired at ABBA.swift:40 in run())`,
  /// `channel "pongs" could be sent on by task 3 "pong"`.
  public static func edgeText(_ edge: WaitEdge, from waiter: TaskID, to other: TaskID, in snapshot: Snapshot)
    -> String
  {
    let who = snapshot.label(task: other)
    switch edge {
    case .holds(let hold) where snapshot.kind(ofResource: hold.resource) == .dispatchQueue:
      // The main queue runs on the main thread alone, and only once it returns to it.
      if snapshot.resource(hold.resource)?.name == "com.apple.main-thread" {
        return
          "\(snapshot.label(resource: hold.resource)) runs only on the main thread, \(who), which must return to it"
      }
      return "\(snapshot.label(resource: hold.resource)) is running a block on \(who)"
    case .holds(let hold) where snapshot.kind(ofResource: hold.resource) == .once:
      return "\(snapshot.label(resource: hold.resource)) is being initialized by \(who)"
    case .holds(let hold):
      var text = "\(snapshot.describe(hold: hold)) is held by \(who)"
      if let site = hold.site { text += " (acquired at \(site.description))" }
      return text
    case .queuedWriter(let resource):
      return
        "\(snapshot.label(resource: resource)) has a writer queued first, \(who), and a queued writer blocks new readers"
    case .joins:
      return "\(who) has not ended"
    case .mayUse(let resource):
      return
        "\(snapshot.label(resource: resource)) could be \(counterpart(of: waiter, on: resource, in: snapshot)) by \(who)"
    case .member(let resource):
      return "\(snapshot.label(resource: resource)) waits for its member \(who)"
    }
  }

  /// What another task would do to release `waiter` from `resource`: a receiver needs a
  /// sender, a sender a receiver, a Cond a signal, a WaitGroup a done.
  static func counterpart(of waiter: TaskID, on resource: ResourceID, in snapshot: Snapshot) -> String {
    switch snapshot.kind(ofResource: resource) {
    case .cond?: return "signalled"
    case .waitGroup?: return "marked done"
    default:
      let wait = snapshot.task(waiter)?.wait
      let operation =
        wait?.cases.first { $0.resource == resource }?.operation
        ?? (wait?.kind == .send ? .send : .receive)
      return operation == .send ? "received from" : "sent on"
    }
  }

  /// One step of a cycle at a glance: `[a] ─wants─▶ mutex "B" ─held by─▶ [b]`.
  public struct ChainStep: Sendable, Equatable {
    public var task: TaskID
    /// `wants`, `receives from`, `waits for`, `joins`.
    public var verb: String
    /// What it waits on; nil for a join.
    public var resource: String?
    /// `held by`, `used by`, `member`, `signalled by`; nil for a join.
    public var link: String?
    public var next: TaskID
  }

  /// The verb of a wait on an arrow: `wants` (a lock), `receives from`, `waits for`.
  public static func verb(of kind: Wait.Kind) -> String {
    switch kind {
    case .send: "sends on"
    case .receive: "receives from"
    case .select: "selects on"
    case .waitGroup: "waits for"
    case .cond: "waits on"
    case .join: "joins"
    case .sleep: "sleeps"
    case .futex: "waits on"
    case .semaphore: "acquires"
    case .mutex, .readLock, .writeLock: "wants"
    case .dispatchSync: "syncs onto"
    case .once: "waits for"
    }
  }

  /// The cycle of `deadlock` as steps, in the words of each primitive.
  public static func chain(_ deadlock: Deadlock, in analysis: Analysis) -> [ChainStep] {
    let snapshot = analysis.snapshot
    let cycle = deadlock.cycleTasks
    return cycle.indices.map { position in
      let task = cycle[position]
      let next = cycle[(position + 1) % cycle.count]
      let verb = snapshot.task(task)?.wait.map { Self.verb(of: $0.kind) } ?? "wants"
      let edge = analysis.edge(from: task, to: next)
      let link: String? =
        switch edge {
        case .holds(let hold)?:
          switch snapshot.kind(ofResource: hold.resource) {
          case .dispatchQueue?: "drained by"
          case .once?: "run by"
          default: "held by"
          }
        case .queuedWriter?: "writer queued"
        case .member?: "member"
        case .mayUse(let resource)?:
          switch snapshot.kind(ofResource: resource) {
          case .cond?: "signalled by"
          case .waitGroup?: "done by"
          default: "used by"
          }
        case .joins?, nil: nil
        }
      return ChainStep(
        task: task, verb: verb, resource: edge?.resource.map { snapshot.label(resource: $0) }, link: link,
        next: next)
    }
  }
}
