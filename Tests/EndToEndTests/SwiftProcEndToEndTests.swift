import DeadtopReports
import Foundation
import Testing

/// Unmodified Swift (and libdispatch C) programs read through /proc: the concurrency
/// pool, one-time initializers, dispatch semaphores and groups, concurrent queues.
@Suite(.needsCompiler) struct SwiftProcEndToEndTests {
  @Test func aStarvedConcurrencyPoolIsAHang() throws {
    let program = try CProgram("starved_pool")
    let outcome = try program.attachUntil { $0.status == 5 }
    #expect(outcome.status == 5, "\(outcome.output)\(outcome.error)")
    let document = try report(outcome)
    #expect(document.summary.verdict == "hang")
    #expect(document.deadlocks.isEmpty)
    let hang = try #require(document.hangs.first)
    #expect(hang.pool == "Swift concurrency pool")
    #expect(hang.width >= 1)
    #expect(hang.taskIds.count == hang.width)
    #expect(hang.calls.allSatisfy { $0 == "DispatchSemaphore.wait" })
    #expect(hang.queuedJobs == 64 - hang.width)
    // Each named by the global that holds it.
    #expect(
      document.resources.contains {
        $0.kind == "dispatch-semaphore" && $0.name == "gate (DispatchSemaphore)"
          && $0.waiters.count == hang.width
      })
    // The main thread waits for the tasks in DispatchGroup.wait.
    let main = try #require(document.tasks.first { $0.id == UInt64(program.pid) })
    #expect(main.wait?.kind == "futex")
    #expect(
      document.resources.contains {
        $0.kind == "dispatch-group" && $0.name == "finished (DispatchGroup)" && $0.waiters == [main.id]
      })

    let text = try deadtop("--attach", "\(program.pid)", "--once")
    #expect(text.status == 5)
    #expect(
      text.output.contains("HANG: no deadlock, but every thread of the Swift concurrency pool is blocked"))
    #expect(text.output.contains("is blocked in DispatchSemaphore.wait: no async task can run"))
    #expect(text.output.contains("\(64 - hang.width) more async jobs wait for a thread"))
    #expect(text.output.contains("(DispatchGroup.wait: no owner, it ends when its work leaves)"))
  }

  @Test func aHealthyPoolAndATimerSignalledSemaphoreAreNoHang() throws {
    let program = try CProgram("healthy_pool")
    usleep(300_000)
    for _ in 0..<5 {
      let outcome = try deadtop("--attach", "\(program.pid)", "--once", "--json")
      #expect(outcome.status == 0, "\(outcome.output)")
      let document = try report(outcome)
      #expect(document.hangs.isEmpty)
      #expect(document.deadlocks.isEmpty)
    }
  }

  @Test func aStaticLetWhoseInitializerWaitsOnItsWaiterIsACycle() throws {
    let program = try CProgram("static_let_once")
    let outcome = try program.attachUntil { $0.status == 3 }
    let deadlock = try #require(try report(outcome).deadlocks.first, "\(outcome.output)")
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["reloading", "first-use"])
    #expect(Set(deadlock.cycle.map(\.waitKind)) == ["once", "mutex"])
    #expect(Set(deadlock.resources) == ["Registry.shared", "registryLock (NSLock)"])
    let text = try deadtop("--attach", "\(program.pid)", "--once")
    #expect(text.output.contains("waits for once \"Registry.shared\" to be initialized"))
    #expect(text.output.contains("once \"Registry.shared\" is being initialized by task"))
  }

  @Test func dispatchOnceWhoseInitializerWaitsOnItsWaiterIsACycle() throws {
    let program = try CProgram("dispatch_once")
    let outcome = try program.attachUntil { $0.status == 3 }
    let deadlock = try #require(try report(outcome).deadlocks.first, "\(outcome.output)")
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["reloader", "reader"])
    #expect(Set(deadlock.resources) == ["config_once", "config_lock"])
    let text = try deadtop("--attach", "\(program.pid)", "--once")
    // Where each waits, read off its stack without stopping it.
    #expect(text.output.contains("waits to lock mutex \"config_lock\" for ≥ "))
    #expect(text.output.contains("at load_config in dispatch_once"))
    #expect(text.output.contains("at reloader in dispatch_once"))
  }

  @Test func aSyncOntoAQueueWhoseTargetIsBusyWaitsForTheTargetsDrainer() throws {
    let program = try CProgram("dispatch_target_queue")
    let outcome = try program.attachUntil { $0.status == 3 }
    let deadlock = try #require(try report(outcome).deadlocks.first, "\(outcome.output)")
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["indexing", "compacting"])
    // The queue it could not acquire is the target, not the queue it called sync on.
    #expect(Set(deadlock.resources) == ["com.example.outer", "indexLock (NSLock)"])
  }

  @Test func manySyncCallersOfAConcurrentQueueAreNotADeadlock() throws {
    let program = try CProgram("concurrent_sync")
    usleep(300_000)
    var sawConcurrentWait = false
    for _ in 0..<10 {
      let outcome = try deadtop("--attach", "\(program.pid)", "--once", "--json")
      #expect(outcome.status == 0, "\(outcome.output)")
      let document = try report(outcome)
      #expect(document.deadlocks.isEmpty)
      sawConcurrentWait =
        sawConcurrentWait
        || document.resources.contains { $0.kind == "dispatch-queue" && $0.name == "com.example.shared" }
    }
    #expect(sawConcurrentWait, "sync callers wait behind the barrier now and then")
  }
}
