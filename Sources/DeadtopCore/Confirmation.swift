/// The one home of the reporting policy: a deadlock (or a starved pool) is shown only
/// when two consecutive snapshots show it with the same wait episodes (a deadlock never dissolves, so this
/// filters out a picture torn by a lock changing hands mid-read), and a confirmed finding
/// is announced once while its tasks stay in those episodes. The live view, `--once`,
/// `--stacks` and the runtime's in-process check are thin loops around it.
public struct DeadlockConfirmation: Sendable {
  /// The analysis of the latest snapshot, with only the confirmed findings.
  public struct Result: Sendable {
    public let analysis: Analysis
    /// Findings this snapshot showed that the previous one did not: the next snapshot
    /// confirms or drops them.
    public let unconfirmed: Int
  }

  public private(set) var previous: Snapshot?
  private var announced: Set<[UInt64]> = []

  public init() {}

  /// Analyses `snapshot` against the previous one. The first snapshot confirms nothing.
  public mutating func analyse(_ snapshot: Snapshot) -> Result {
    let analysis = Analysis(snapshot)
    let confirmed = analysis.confirmed(by: previous)
    previous = snapshot
    return Result(
      analysis: confirmed,
      unconfirmed: analysis.deadlocks.count - confirmed.deadlocks.count + analysis.starvedPools.count
        - confirmed.starvedPools.count)
  }

  /// The confirmed findings of `analysis` not announced before; they count as announced
  /// from now on.
  public mutating func unannounced(in analysis: Analysis) -> [Deadlock] {
    analysis.deadlocks.filter { announced.insert(Self.episodes(of: $0, in: analysis.snapshot)).inserted }
  }

  /// A finding is the same deadlock while its tasks stay in the same wait episodes.
  private static func episodes(of deadlock: Deadlock, in snapshot: Snapshot) -> [UInt64] {
    deadlock.waitingTasks.sorted().flatMap { [$0, snapshot.task($0)?.wait?.sequence ?? 0] }
  }

  /// One confirmed analysis from a source read once, or twice `pause` apart when the
  /// first read shows a finding to confirm (`--once`, `deadtop list`).
  public static func analyse(reading snapshot: () throws -> Snapshot, pause: () -> Void) rethrows -> Analysis
  {
    var confirmation = DeadlockConfirmation()
    let first = confirmation.analyse(try snapshot())
    guard first.unconfirmed > 0 else { return first.analysis }
    pause()
    return confirmation.analyse(try snapshot()).analysis
  }
}

extension Analysis {
  /// Keeps only the findings that `earlier` already showed with the same wait episodes.
  func confirmed(by earlier: Snapshot?) -> Analysis {
    var earlierWaits: [TaskID: UInt64] = [:]
    for task in earlier?.tasks ?? [] { if let wait = task.wait { earlierWaits[task.id] = wait.sequence } }
    func stillWaiting(_ id: TaskID) -> Bool {
      snapshot.task(id)?.wait.map { earlierWaits[id] == $0.sequence } ?? false
    }
    var result = self
    result.deadlocks = deadlocks.filter { $0.waitingTasks.allSatisfy(stillWaiting) }
    result.starvedPools = starvedPools.filter { $0.threads.allSatisfy(stillWaiting) }
    result.deadlocked = Set(result.deadlocks.flatMap(\.waitingTasks))
    // A retry leak needs the opposite of a deadlock's evidence: a new wait at the same site.
    let seenAgain = retryWaitsAwaitingEvidence.map { $0.seenAgain(in: earlier, now: snapshot) }
    result.retryLeaks += seenAgain.filter { $0.episodes >= Self.retryEpisodesNeeded }
    result.retryWaitsAwaitingEvidence = seenAgain.filter { $0.episodes < Self.retryEpisodesNeeded }
    return result
  }
}
