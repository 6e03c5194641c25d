/// A task that keeps re-entering a timed wait whose other way out can never come: a
/// retry loop on `select(.receive(after(backoff)), .receive(context.done))` whose
/// context no task can cancel. It wakes each time its timer fires, so it is never
/// blocked for good and no deadlock; it is leaked for good all the same, with what it
/// holds. A finding of its own kind, reported only when the facts prove the other cases
/// dead (every reference accounted for, as for a certain stuck-forever finding) and
/// the task has been seen entering that wait more than once.
public struct RetryLeak: Sendable, Equatable {
  public var task: TaskID
  /// The select it keeps re-entering.
  public var site: CallSite?
  /// The cases that can never fire: a receive from a channel (a context's done channel)
  /// no task can ever send on or close, a send no task can ever take.
  public var deadCases: [Wait.Case]
  public var deadResources: [ResourceID] { deadCases.map(\.resource) }
  /// The timed waits it has been seen in at `site`: earlier ones (in the event ring, or
  /// in the previous snapshot) and the current one.
  public var episodes: Int
  /// When the first of those began, on the process's clock.
  public var sinceNanoseconds: UInt64
  /// Why the other cases can never fire (worded by `Guess.describe(in:)`).
  public var guess: Guess
}

extension Analysis {
  /// The evidence a finding needs: the task must have woken from the wait and entered it
  /// again at least once.
  static let retryEpisodesNeeded = 2

  /// Every blocked task in a select that only its clock-driven cases (timers, tickers,
  /// a deadline) can end: its other cases are proven dead. Each with the earlier waits at
  /// the same site that the event ring shows.
  static func retryWaits(in snapshot: Snapshot, reach: inout Reach?, waiters: [ResourceID: [TaskID]])
    -> [RetryLeak]
  {
    var found: [RetryLeak] = []
    for index in snapshot.tasks.indices where snapshot.tasks[index].state == .blocked {
      guard let wait = snapshot.tasks[index].wait, wait.kind == .select, !wait.unlistedCases,
        wait.deadlineNanoseconds == nil, !wait.cases.isEmpty
      else { continue }
      let isClockDriven = { (entry: Wait.Case) -> Bool in
        snapshot.position(ofResource: entry.resource).map { snapshot.resources[$0].clockDriven } ?? false
      }
      let others = wait.cases.filter { !isClockDriven($0) }
      guard !others.isEmpty, others.count < wait.cases.count,
        others.allSatisfy({ mayBeProvenDead($0.resource, in: snapshot, waiters: waiters) })
      else { continue }
      // The same question as for any wait, with the clock's cases taken away.
      var withoutClock = wait
      withoutClock.cases = others
      if reach == nil { reach = Reach(snapshot: snapshot, waiters: waiters) }
      let id = snapshot.tasks[index].id
      guard let requirement = reach?.requirement(of: id, wait: withoutClock), requirement.mode == .any,
        let guess = requirement.guess, guess.isCertain, !guess.hasNoCases
      else { continue }
      found.append(
        RetryLeak(
          task: id, site: wait.site, deadCases: others, episodes: 1, sinceNanoseconds: wait.sinceNanoseconds,
          guess: guess))
    }
    guard !found.isEmpty else { return found }
    // The earlier waits at the same site, from one pass over the event ring.
    var positions: [TaskID: Int] = [:]
    for (position, leak) in found.enumerated() { positions[leak.task] = position }
    let waitStarts = found.map(\.sinceNanoseconds)
    for event in snapshot.events where event.kind == .block && event.waitKind == .select {
      guard let position = positions[event.task], event.site == found[position].site,
        event.timeNanoseconds < waitStarts[position]
      else { continue }
      found[position].episodes += 1
      found[position].sinceNanoseconds = min(found[position].sinceNanoseconds, event.timeNanoseconds)
    }
    return found
  }
}

extension Analysis {
  /// The first test `Reach` makes before it proves a channel out of every running task's
  /// reach, without asking it: a retry loop on a live context (most of them) costs no more.
  fileprivate static func mayBeProvenDead(
    _ resource: ResourceID, in snapshot: Snapshot, waiters: [ResourceID: [TaskID]]
  ) -> Bool {
    guard let position = snapshot.position(ofResource: resource),
      let references = snapshot.resources[position].references
    else { return false }
    return references <= (waiters[resource]?.count ?? 0) && Reach.framesHoldAll(snapshot.resources[position])
  }
}

extension RetryLeak {
  /// The same leak seen again one snapshot later: one more episode if the task has
  /// since woken and entered the wait again (a new wait at the same site).
  func seenAgain(in earlier: Snapshot?, now snapshot: Snapshot) -> RetryLeak {
    guard let before = earlier?.task(task)?.wait, let now = snapshot.task(task)?.wait,
      before.kind == .select, before.site == site, before.sequence != now.sequence
    else { return self }
    var result = self
    result.episodes += 1
    result.sinceNanoseconds = min(sinceNanoseconds, before.sinceNanoseconds)
    return result
  }
}

extension Explanation {
  /// A retry leak as steps: what leaks, the wait it keeps re-entering, why it can never
  /// end another way.
  public init(_ leak: RetryLeak, number: Int, in analysis: Analysis) {
    let snapshot = analysis.snapshot
    let since =
      snapshot.takenAtNanoseconds > leak.sinceNanoseconds
      ? " over \(formatDuration(Double(snapshot.takenAtNanoseconds - leak.sinceNanoseconds) / 1e9))" : ""
    let dead = leak.deadCases.map { entry in
      (entry.operation == .receive ? "send on or close " : "receive from ")
        + snapshot.label(resource: entry.resource)
    }
    steps = [
      .heading(
        "Leak \(number): \(snapshot.label(task: leak.task)) retries forever: only its timer ever ends its wait, "
          + "since no task can ever \(dead.joined(separator: " or ")) (certain)", task: leak.task),
      .wait(Explanation.waitLine(leak.task, in: snapshot), task: leak.task),
      .section("seen entering that wait \(counted(leak.episodes, "time"))\(since)"),
      .reason("why certain: \(leak.guess.describe(in: snapshot))"),
    ]
  }
}
