import Dispatch
import Foundation
import Synchronization

/// A demo without the runtime: what it does, and a fixed variant that finishes.
struct PlainScenario: Sendable {
  let name: String
  let summary: String
  let story: String
  let fix: String
  let run: @Sendable (_ fixed: Bool) -> Void
}

let plainScenarios = [queueABBA, mainSync, staticLet, starvedPool]

/// Prints a line at once, even into a pipe: `deadtop demo` reads it live.
func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

/// A little work inside a block (a `sync` returns what its block returns: nothing here).
func briefly() { usleep(1000) }

/// A named thread, joined by waiting on the returned group (never a deadtop primitive).
@discardableResult
func thread(_ name: String, _ body: @escaping @Sendable () -> Void) -> DispatchGroup {
  let done = DispatchGroup()
  done.enter()
  Thread {
    nameThisThread(name)
    body()
    done.leave()
  }.start()
  return done
}

/// Spins until `parties` have arrived: the demos' only coordination that never shows
/// as a wait. DemoScenarios has its twin, which these demos cannot use: that target
/// links the runtime, and these programs must not.
final class Rendezvous: Sendable {
  private let arrived = Atomic<Int>(0)
  private let parties: Int
  init(parties: Int) { self.parties = parties }
  func arriveAndWait() {
    arrived.add(1, ordering: .sequentiallyConsistent)
    while arrived.load(ordering: .sequentiallyConsistent) < parties { briefly() }
  }
}

let queueABBA = PlainScenario(
  name: "queue-abba", summary: "two serial DispatchQueues, sync in opposite orders (no runtime)",
  story:
    "posting runs ledger.sync { audit.sync {} } while auditing runs audit.sync { ledger.sync {} }: "
    + "each queue runs a block that waits for the other queue.",
  fix: "both threads sync onto ledger first, then audit: one order, no cycle."
) { fixed in
  let ledger = DispatchQueue(label: "com.example.ledger")
  let audit = DispatchQueue(label: "com.example.audit")
  let both = Rendezvous(parties: 2)
  let posting = thread("posting") {
    ledger.sync {
      both.arriveAndWait()
      audit.sync { briefly() }
    }
  }
  let auditing = thread("auditing") {
    if fixed {
      both.arriveAndWait()
      ledger.sync { audit.sync { briefly() } }
      return
    }
    audit.sync {
      both.arriveAndWait()
      ledger.sync { briefly() }
    }
  }
  posting.wait()
  auditing.wait()
}

let mainSync = PlainScenario(
  name: "main-sync", summary: "DispatchQueue.main.sync from a worker while main waits for it (no runtime)",
  story:
    "loader holds cacheLock and calls DispatchQueue.main.sync to publish; the main thread waits for "
    + "cacheLock, so it never returns to run the main queue.",
  fix: "loader publishes with DispatchQueue.main.async and lets go of cacheLock; main takes it."
) { fixed in
  let cacheLock = NSLock()
  let locked = Rendezvous(parties: 2)
  thread("loader") {
    cacheLock.lock()
    locked.arriveAndWait()
    usleep(100_000)
    if fixed {
      DispatchQueue.main.async { say("published") }
    } else {
      DispatchQueue.main.sync { say("published") }
    }
    cacheLock.unlock()
  }
  locked.arriveAndWait()
  cacheLock.lock()
  cacheLock.unlock()
}

/// The lock `Registry.shared`'s initializer takes.
let registryLock = NSLock()
/// Whether the initializer takes `registryLock` (the demo's bug).
let initializerLocks = Atomic<Bool>(true)

final class Registry: Sendable {
  static let shared = Registry()
  init() {
    usleep(200_000)
    if initializerLocks.load(ordering: .sequentiallyConsistent) {
      registryLock.lock()
      registryLock.unlock()
    }
  }
}

let staticLet = PlainScenario(
  name: "static-let", summary: "a static let whose initializer needs a lock its waiter holds (no runtime)",
  story:
    "first-use starts Registry.shared's one-time initializer, which takes registryLock; reloading holds "
    + "registryLock and waits for Registry.shared: swift_once and the lock wait on each other.",
  fix: "the initializer no longer takes registryLock: reloading gets Registry.shared, then lets go."
) { fixed in
  initializerLocks.store(!fixed, ordering: .sequentiallyConsistent)
  let reloading = thread("reloading") {
    registryLock.lock()
    usleep(100_000)
    _ = Registry.shared
    registryLock.unlock()
  }
  let firstUse = thread("first-use") {
    usleep(20_000)
    _ = Registry.shared
  }
  reloading.wait()
  firstUse.wait()
}

/// An async gate: tasks suspend on it (freeing their thread) until it opens.
actor Gate {
  private var open = false
  private var waiting: [CheckedContinuation<Void, Never>] = []
  func wait() async {
    if open { return }
    await withCheckedContinuation { waiting.append($0) }
  }
  func openGate() {
    open = true
    for continuation in waiting { continuation.resume() }
    waiting = []
  }
}

let starvedPool = PlainScenario(
  name: "starved-pool",
  summary: "64 Tasks block in DispatchSemaphore.wait: the concurrency pool starves (no runtime)",
  story:
    "63 tasks call DispatchSemaphore.wait() for a signal the 64th task sends; the pool has one thread "
    + "per CPU, they all block, and the 64th task never gets a thread: no async work runs again.",
  fix: "the tasks await an actor instead of blocking a thread: the 64th task runs and opens it."
) { fixed in
  let tasks = 64
  let signal = DispatchSemaphore(value: 0)
  let gate = Gate()
  let finished = DispatchGroup()
  for index in 0..<tasks {
    finished.enter()
    Task.detached {
      if index == tasks - 1 {
        if fixed { await gate.openGate() } else { for _ in 0..<(tasks - 1) { signal.signal() } }
      } else if fixed {
        await gate.wait()
      } else {
        signal.wait()
      }
      finished.leave()
    }
  }
  finished.wait()
}
