import Deadtop

extension Scenarios {
  /// AB-BA: two transfers lock the same two accounts in opposite orders.
  static let abba = Scenario(
    name: "abba",
    summary: "two tasks lock the same two mutexes in opposite orders (AB-BA)",
    story:
      "Task pay-alice-bob locks account-alice then account-bob; task pay-bob-alice locks "
      + "account-bob then account-alice. Each gets its first lock, then waits forever for the other's.",
    fix: "Both transfers lock the accounts in one global order (alice before bob).",
    endsInFatalError: false
  ) { fixed in
    let alice = Mutex(name: "account-alice")
    let bob = Mutex(name: "account-bob")
    let bothHoldFirst = Rendezvous(parties: 2)
    @Sendable func transfer(from: Mutex, to: Mutex, rounds: Int) {
      for _ in 0..<rounds {
        // The fix: always lock in one order, whatever the direction of the transfer.
        let (first, second) = fixed ? (alice, bob) : (from, to)
        first.lock()
        if !fixed { bothHoldFirst.arriveAndWait() }
        second.lock()
        pause(milliseconds: 1)
        second.unlock()
        first.unlock()
      }
    }
    let rounds = fixed ? 200 : 1
    let one = spawn("pay-alice-bob") { transfer(from: alice, to: bob, rounds: rounds) }
    let two = spawn("pay-bob-alice") { transfer(from: bob, to: alice, rounds: rounds) }
    one.join()
    two.join()
  }

  /// A task locks a mutex it already holds: Go blocks forever, and so does Deadtop.
  static let doubleLock = Scenario(
    name: "double-lock",
    summary: "a task locks a mutex it already holds",
    story:
      "Task refresher locks mutex cache, then calls evict(), which locks cache again. "
      + "Go's mutex is not reentrant: the task waits for itself forever.",
    fix: "evict() expects the caller to hold the lock (evictLocked) and does not take it again.",
    endsInFatalError: false
  ) { fixed in
    let cache = Mutex(name: "cache")
    let entries = Guarded([Int](0..<100))
    @Sendable func evict() {
      cache.lock()
      entries.value.removeFirst()
      cache.unlock()
    }
    @Sendable func evictLocked() { entries.value.removeFirst() }
    let refresher = spawn("refresher") {
      for _ in 0..<(fixed ? 50 : 1) {
        cache.lock()
        entries.value.append(entries.value.count)
        if fixed { evictLocked() } else { evict() }
        cache.unlock()
        pause(milliseconds: 2)
      }
    }
    refresher.join()
  }

  /// Read-lock, then write-lock the same RWMutex: the writer waits for all readers,
  /// itself included.
  static let readThenWrite = Scenario(
    name: "read-then-write",
    summary: "a task holding a read lock asks for the write lock on the same RWMutex",
    story:
      "Task reloader read-locks rwmutex config to check a version, then write-locks it to "
      + "update without releasing the read lock. A writer waits for every reader to leave, "
      + "including itself.",
    fix: "The reloader releases the read lock, takes the write lock, and checks again.",
    endsInFatalError: false
  ) { fixed in
    let config = RWMutex(name: "config")
    let version = Guarded(0)
    let reloader = spawn("reloader") {
      for _ in 0..<(fixed ? 50 : 1) {
        config.readLock()
        let stale = version.value < 100
        if fixed {
          config.readUnlock()
          if stale { config.withLock { if version.value < 100 { version.value += 1 } } }
        } else {
          if stale {
            config.lock()
            version.value += 1
            config.unlock()
          }
          config.readUnlock()
        }
        pause(milliseconds: 2)
      }
    }
    reloader.join()
  }

  /// The read-write-read deadlock of a writer-preferring RWMutex.
  static let readWriteRead = Scenario(
    name: "read-write-read",
    summary: "a task re-takes a read lock while a writer waits (writer-preferring RWMutex)",
    story:
      "Task lookup read-locks rwmutex registry and, deeper in the call stack, read-locks it "
      + "again. In between, task updater asks for the write lock. A queued writer blocks new "
      + "readers, so lookup waits for updater, which waits for lookup to release its first "
      + "read lock.",
    fix: "lookup takes the read lock once and passes what it read down the call stack.",
    endsInFatalError: false
  ) { fixed in
    let registry = RWMutex(name: "registry")
    let services = Guarded(["db": 1])
    let writerStarted = Rendezvous(parties: 2)
    let lookup = spawn("lookup") {
      registry.readLock()
      let snapshot = services.value
      if !fixed {
        writerStarted.arriveAndWait()
        // Wait until the writer is queued: a queued writer makes tryReadLock fail.
        while registry.tryReadLock() {
          registry.readUnlock()
          pause(milliseconds: 1)
        }
        registry.readLock()  // the nested read lock
        _ = services.value["db"]
        registry.readUnlock()
      } else {
        _ = snapshot["db"]
      }
      registry.readUnlock()
    }
    let updater = spawn("updater") {
      if !fixed { writerStarted.arriveAndWait() }
      registry.lock()
      services.value["cache"] = 2
      registry.unlock()
    }
    lookup.join()
    updater.join()
  }

  /// Dijkstra's dining philosophers: five tasks, five forks, a cycle of five.
  static let philosophers = Scenario(
    name: "philosophers",
    summary: "five dining philosophers each hold their left fork and wait for the right",
    story:
      "Five tasks sit at a round table with a fork between each pair. Each picks up the "
      + "fork on its left, then the one on its right. All five hold a left fork: a cycle of five.",
    fix: "Each philosopher picks up the lower-numbered fork first, which breaks the cycle.",
    endsInFatalError: false
  ) { fixed in
    let count = 5
    let forks = (0..<count).map { Mutex(name: "fork-\($0)") }
    let allHoldLeft = Rendezvous(parties: count)
    let diners = (0..<count).map { seat in
      spawn("philosopher-\(seat)") {
        let left = seat
        let right = (seat + 1) % count
        let (first, second) = fixed ? (min(left, right), max(left, right)) : (left, right)
        for _ in 0..<(fixed ? 20 : 1) {
          forks[first].lock()
          if !fixed { allHoldLeft.arriveAndWait() }
          forks[second].lock()
          pause(milliseconds: 1)  // eat
          forks[second].unlock()
          forks[first].unlock()
        }
      }
    }
    for diner in diners { diner.join() }
  }

  /// AB-BA that happens not to deadlock: the two orders run one after the other.
  static let lockOrder: Scenario = {
    var scenario = Scenario(
      name: "lock-order",
      summary: "AB-BA that has not deadlocked yet: lock order predicts it (lockdep)",
      story:
        "Task nightly-report locks inventory then pricing; later, task price-update locks pricing "
        + "then inventory. They never overlap, so nothing deadlocks today, but the two orders "
        + "form a cycle: deadtop reports a potential deadlock with both call sites.",
      fix: "Both tasks lock inventory before pricing.",
      endsInFatalError: false
    ) { fixed in
      let inventory = Mutex(name: "inventory")
      let pricing = Mutex(name: "pricing")
      let report = spawn("nightly-report") {
        inventory.withLock { pricing.withLock {} }
      }
      report.join()
      let update = spawn("price-update") {
        if fixed {
          inventory.withLock { pricing.withLock {} }
        } else {
          pricing.withLock { inventory.withLock {} }
        }
      }
      update.join()
    }
    scenario.onlyPredicted = true
    return scenario
  }()

  /// Misuse: unlocking a mutex nobody holds is Go's fatal error.
  static let unlockUnlocked = Scenario(
    name: "unlock-unlocked",
    summary: "misuse: unlocking a mutex that is not locked is a fatal error, as in Go",
    story:
      "Task cleanup unlocks mutex session, which nobody holds. Go stops the program with "
      + "\"fatal error: sync: unlock of unlocked mutex\"; so does Deadtop, with the call site.",
    fix: "cleanup unlocks only what it locked.",
    endsInFatalError: true
  ) { fixed in
    let session = Mutex(name: "session")
    let cleanup = spawn("cleanup") {
      if fixed {
        session.withLock {}
      } else {
        session.unlock()
      }
    }
    cleanup.join()
  }
}
