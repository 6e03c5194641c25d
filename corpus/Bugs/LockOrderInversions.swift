import Deadtop
import DemoScenarios

/// Two code paths take the same two locks in opposite orders. Each bug comes three ways:
/// the two paths at once (a deadlock), the two paths one after the other (no deadlock,
/// but lock order predicts it: `-sequential`), and the fix. Each is its own project's
/// code, ported from its fix.
extension Corpus {
  static let lockOrderInversions: [Scenario] = [sequins90, matrixone25281, spreedSignaling742].flatMap {
    [$0(false), $0(true)]
  }

  /// One path of an inversion: it takes `first`, meets the other path (when they run
  /// together) and then takes `second`. Fixed, it takes them in `order` instead, after
  /// the meeting, so that it never waits while the other holds one.
  struct Path: Sendable {
    let task: String
    let first: Locker
    let second: Locker

    func run(meeting: Rendezvous?, fixed: Bool, order: (Locker, Locker)) {
      if fixed {
        meeting?.arriveAndWait()
        take(order.0, then: order.1)
        return
      }
      first.lock(file: #fileID, line: #line, function: #function)
      meeting?.arriveAndWait()
      second.lock(file: #fileID, line: #line, function: #function)
      second.unlock(file: #fileID, line: #line, function: #function)
      first.unlock(file: #fileID, line: #line, function: #function)
    }

    private func take(_ one: Locker, then other: Locker) {
      one.lock(file: #fileID, line: #line, function: #function)
      other.lock(file: #fileID, line: #line, function: #function)
      other.unlock(file: #fileID, line: #line, function: #function)
      one.unlock(file: #fileID, line: #line, function: #function)
    }
  }

  /// The scenario of an inversion: `a` and `b` run together, or one after the other
  /// (`sequential`: it does not deadlock, and only lock order predicts it).
  static func inversion(
    name: String, summary: String, story: String, fix: String, source: String, sequential: Bool,
    paths: @escaping @Sendable () -> (a: Path, b: Path, order: (Locker, Locker))
  ) -> Scenario {
    Scenario(
      name: sequential ? name + "-sequential" : name,
      summary: sequential ? summary + ", one path after the other" : summary,
      story: sequential
        ? "The same two paths, one after the other: no deadlock this time, but lock order predicts it."
        : story,
      fix: fix, onlyPredicted: sequential, source: source
    ) { fixed in
      let (a, b, order) = paths()
      let meeting = sequential ? nil : Rendezvous(parties: 2)
      let first = spawn(a.task) { a.run(meeting: meeting, fixed: fixed, order: order) }
      if sequential { first.join() }
      let second = spawn(b.task) { b.run(meeting: meeting, fixed: fixed, order: order) }
      if sequential { second.join() }
      pause(milliseconds: 100)
    }
  }

  /// stripe-archive/sequins: "thread-1: acquire w.lock; thread-2: acquire w.hooksLock;
  /// thread-1: acquire w.hooksLock (blocks on thread-2); thread-2: acquire w.lock (blocks
  /// on thread-1)". Fixed by always taking w.lock first.
  static func sequins90(_ sequential: Bool) -> Scenario {
    inversion(
      name: "sequins-90", summary: "a watcher's lock and its hooks' lock taken in opposite orders",
      story:
        "Task watch-update holds the watcher's lock and adds a hook under hooksLock; task run-hooks holds "
        + "hooksLock and reads the watcher under its lock. Each waits for the other's.",
      fix: "Both paths take lock before hooksLock.",
      source: "https://github.com/stripe-archive/sequins/pull/90",
      sequential: sequential
    ) {
      let lock = Mutex(name: "watcher.lock")
      let hooksLock = Mutex(name: "watcher.hooksLock")
      return (
        Path(task: "watch-update", first: lock, second: hooksLock),
        Path(task: "run-hooks", first: hooksLock, second: lock), (lock, hooksLock)
      )
    }
  }

  /// matrixorigin/matrixone: "Path A ... bindChangeMu.RLock() → getLockHolder() →
  /// allocatorVersionMu; Path B (allocator update): allocatorVersionMu →
  /// bindChangeMu.Lock()". Fixed by one order for both.
  static func matrixone25281(_ sequential: Bool) -> Scenario {
    inversion(
      name: "matrixone-25281",
      summary: "the lock service's observability path and its allocator update invert two locks",
      story:
        "Task get-lock-holder read-locks bindChangeMu and then locks allocatorVersionMu; task "
        + "allocator-update locks allocatorVersionMu and then write-locks bindChangeMu. Each waits for "
        + "the other's.",
      fix: "Both paths take bindChangeMu first.",
      source: "https://github.com/matrixorigin/matrixone/issues/25281",
      sequential: sequential
    ) {
      let bindChangeMu = RWMutex(name: "bindChangeMu")
      let allocatorVersionMu = Mutex(name: "allocatorVersionMu")
      return (
        Path(task: "get-lock-holder", first: bindChangeMu.readLocker, second: allocatorVersionMu),
        Path(task: "allocator-update", first: allocatorVersionMu, second: bindChangeMu),
        (bindChangeMu, allocatorVersionMu)
      )
    }
  }

  /// strukturag/nextcloud-spreed-signaling: publishActiveSessions "locks "mu" in the room
  /// and then "mu" in the client session", while leaving the room locks the session and
  /// then write-locks the room. Fixed by not holding the room's lock while asking the
  /// session.
  static func spreedSignaling742(_ sequential: Bool) -> Scenario {
    inversion(
      name: "spreed-signaling-742",
      summary: "a room publishing its sessions and a session leaving the room invert their locks",
      story:
        "Task publish-sessions read-locks the room and asks a session for its id (the session's mutex); "
        + "task leave-room holds the session's mutex and removes it from the room (write lock). Each "
        + "waits for the other's.",
      fix: "Both take the room's lock before the session's.",
      source: "https://github.com/strukturag/nextcloud-spreed-signaling/pull/742", sequential: sequential
    ) {
      let room = RWMutex(name: "room.mu")
      let session = Mutex(name: "clientsession.mu")
      return (
        Path(task: "publish-sessions", first: room.readLocker, second: session),
        Path(task: "leave-room", first: session, second: room), (room, session)
      )
    }
  }
}
