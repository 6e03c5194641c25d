/// A fixed-size pool of threads that runs a program's async work (the Swift Concurrency
/// pool), and the hang it suffers when every one of its threads blocks: nothing async
/// can run, though no two threads wait on each other.

public struct ThreadPool: Sendable, Equatable {
  /// What it is, for a person: "Swift concurrency pool".
  public var name: String
  /// The most threads it runs work on at once.
  public var width: Int
  /// Work items running now (each on one of its threads).
  public var running: Int
  /// The threads seen running its work.
  public var threads: [TaskID]
  /// Work waiting for a thread; nil when it could not be read.
  public var queued: Int?

  public init(name: String, width: Int, running: Int, threads: [TaskID], queued: Int?) {
    self.name = name
    self.width = width
    self.running = running
    self.threads = threads
    self.queued = queued
  }
}

/// Every thread of a pool is blocked in a wait that none of them can end: a hang of all
/// the work the pool runs. Not a deadlock (something outside the pool may still end a
/// wait, a semaphore has no owner), so it has its own verdict.
public struct PoolStarvation: Sendable, Equatable {
  public var pool: ThreadPool
  /// The pool's threads, each blocked.
  public var threads: [TaskID]
}

extension Analysis {
  /// The pools whose every thread is blocked for good as far as the facts go: all its
  /// width is in use, every thread running its work was found, and each waits on
  /// something no thread outside the pool is known to end (no owner, an owner in the
  /// pool, or a deadlock).
  static func starvedPools(in snapshot: Snapshot, requirements: Requirements, deadlocked: Set<TaskID>)
    -> [PoolStarvation]
  {
    snapshot.pools.compactMap { pool in
      guard pool.width > 0, pool.running >= pool.width, pool.threads.count >= pool.width else { return nil }
      let members = Set(pool.threads)
      let stuck = pool.threads.allSatisfy { id in
        guard let task = snapshot.task(id), task.state == .blocked, let wait = task.wait,
          wait.kind != .sleep, wait.deadlineNanoseconds == nil
        else { return false }
        if deadlocked.contains(id) { return true }
        // An owner outside the pool that is not deadlocked will release it.
        guard let requirement = requirements[id], requirement.guess == nil else { return true }
        return requirement.tasks.allSatisfy { members.contains($0) || deadlocked.contains($0) }
      }
      return stuck ? PoolStarvation(pool: pool, threads: pool.threads) : nil
    }
  }
}

extension Explanation {
  /// A starved pool as steps: what hangs, each blocked thread's wait, what waits behind.
  public init(_ starvation: PoolStarvation, in analysis: Analysis) {
    let snapshot = analysis.snapshot
    let pool = starvation.pool
    var calls: [String] = []
    for id in starvation.threads {
      if let call = snapshot.task(id)?.wait.map(snapshot.blockingCall), !calls.contains(call) {
        calls.append(call)
      }
    }
    var steps: [Step] = [
      .heading(
        "Hang: every thread of the \(pool.name) (\(starvation.threads.count) of \(pool.width)) is blocked in "
          + calls.joined(separator: " or ") + ": no async task can run", task: starvation.threads.first)
    ]
    for id in starvation.threads {
      steps.append(.wait(Self.waitLine(id, in: snapshot), task: id))
      if let wait = snapshot.task(id)?.wait, case .resource(let resource) = wait.target,
        let holder = analysis.holders[resource]?.first, holder.task != id
      {
        steps.append(.edge("held by \(snapshot.label(task: holder.task))", task: holder.task))
      }
    }
    if let queued = pool.queued, queued > 0 {
      steps.append(
        .section("\(counted(queued, "more async job")) wait\(queued == 1 ? "s" : "") for a thread"))
    }
    steps.append(
      .reason(
        "why: the pool runs at most \(counted(pool.width, "thread")) (one per CPU) and does not grow while they "
          + "block; only a thread outside the pool can end these waits"))
    self.steps = steps
  }
}
