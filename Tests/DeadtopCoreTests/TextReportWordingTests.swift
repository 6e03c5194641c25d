import DeadtopCore
import Testing

/// The text report written straight into bytes reads exactly as the report always did:
/// every kind of wait, hold, resource line and blocker list, held against the report the
/// string-building code wrote (taken before the rewrite), and the details view's lines
/// against the report's, since both come from one composer.
@Suite struct TextReportWordingTests {
  /// A process with one of everything the report words differently.
  static func everything() -> Analysis {
    var build = SnapshotBuilder()
    build.mutex(1, "accounts")
    build.rwMutex(2, "config")
    build.synchronizer(3, .channel, "jobs", capacity: 4, count: 4, users: [3, 4])
    build.synchronizer(4, .channel, "results", closed: true, users: [5])
    build.synchronizer(5, .waitGroup, "workers", count: 2, users: [6, 7], listsMembers: true)
    build.synchronizer(6, .semaphore, "slots", capacity: 1, count: 1, users: [8], listsMembers: true)
    build.synchronizer(7, .cond, "ready", users: [9])
    build.rwMutex(11, "table")
    var resources = build.snapshot.resources
    resources.append(ResourceInfo(id: 8, kind: .dispatchSemaphore, name: "sema", count: 1))
    resources.append(
      ResourceInfo(
        id: 9, kind: .mutex, name: nil, site: CallSite(file: "App/Cache.swift", line: 12, function: "")))
    resources.append(ResourceInfo(id: 10, kind: .dispatchQueue, name: "serial", capacity: 1))
    build.running(1, "holder", holds: [holding(1), holding(9)])
    build.blocked(2, "writer", on: .writeLock, .resource(2), holds: [holding(2, .shared)])
    build.blocked(3, "producer", on: .send, .resource(3))
    build.selecting(
      4, "picker", [Wait.Case(resource: 3, operation: .receive), Wait.Case(resource: 4, operation: .send)])
    build.blocked(5, "reader", on: .readLock, .resource(2), holds: [holding(2, .shared)])
    build.blocked(6, "waiter", on: .waitGroup, .resource(5))
    build.blocked(7, "locker", on: .mutex, .resource(1))
    build.blocked(8, "acquirer", on: .semaphore, .resource(6))
    build.blocked(9, "sleeper", on: .cond, .resource(7))
    build.blocked(10, "joiner", on: .join, .task(2))
    build.blocked(11, "sync", on: .dispatchSync, .resource(10))
    build.blocked(12, "futex", on: .futex, .resource(8))
    build.blocked(13, "unowned", on: .mutex, .resource(9))
    build.ended(14, "gone", holds: [holding(9)])
    build.running(17, "scanner", holds: [holding(11, .shared)])
    build.blocked(18, "first-writer", on: .writeLock, .resource(11))
    build.blocked(19, "second-writer", on: .writeLock, .resource(11))
    var tasks = build.snapshot.tasks
    tasks.append(
      TaskInfo(
        id: 15, osThreadID: 4242, name: "kernel", state: .running, unlistedHolds: 3,
        spawnSite: CallSite(file: "App/Main.swift", line: 9, function: "main()"), stale: true,
        detail: "in futex_wait", cpuSeconds: 1.5))
    tasks.append(TaskInfo(id: 16, name: "runner", state: .running, holds: [holding(10)]))
    var snapshot = build.snapshot
    snapshot.resources = resources
    snapshot.tasks = tasks
    snapshot.tasks[0].stack = ["App.holder() at App/Main.swift:3", "main"]
    return Analysis(snapshot)
  }

  @Test func everyLineReadsAsBefore() {
    let report = TextReport.render(Self.everything())
    let tasks = report.split(separator: "\n", omittingEmptySubsequences: false)
      .drop { $0 != "Tasks" }.map(String.init)
    #expect(tasks.joined(separator: "\n") == Self.expected)
  }

  @Test func theDetailsViewSaysWhatTheReportSays() {
    let analysis = Self.everything()
    let report = TextReport.render(analysis)
    for task in analysis.snapshot.tasks {
      let facts = TaskFacts(task, in: analysis)
      var block = "  " + facts.title + "\n"
      for line in facts.lines { block += "      " + (line.label?.heading ?? "") + line.text + "\n" }
      #expect(report.contains(block), "\(task.name)")
    }
  }

  @Test func labelsAsStringsMatchTheWrittenForms() {
    let snapshot = Self.everything().snapshot
    #expect(snapshot.label(task: 2) == "task 2 \"writer\"")
    #expect(snapshot.label(task: 99) == "task 99")
    #expect(snapshot.label(resource: 9) == "mutex #9 (created at App/Cache.swift:12)")
    #expect(snapshot.label(resource: 99) == "resource #99")
    #expect(snapshot.describe(hold: holding(2, .shared)) == "rwmutex \"config\" (read)")
    #expect(
      CallSite(file: "server", line: 0, function: "Registry.init()").description
        == "Registry.init() in server")
    #expect(CallSite(file: "A.swift", line: 3, function: "").description == "A.swift:3")
  }

  static let expected = #"""
    Tasks
      task 1 "holder": running
          holds:   mutex "accounts", acquired at App/Bank.swift:7 in take()
          holds:   mutex #9 (created at App/Cache.swift:12), acquired at App/Bank.swift:7 in take()
          stack:
            App.holder() at App/Main.swift:3
            main
      task 2 "writer": blocked for 2.0s  [DEADLOCKED]
          waiting: write-lock rwmutex "config" at App/Bank.swift:2 in run(), held by task 2 "writer", task 5 "reader"
          holds:   rwmutex "config" (read), acquired at App/Bank.swift:7 in take()
      task 3 "producer": blocked for 2.0s
          waiting: send on channel "jobs" at App/Bank.swift:3 in run()
      task 4 "picker": blocked for 2.0s
          waiting: select on receive channel "jobs", send channel "results" at App/Bank.swift:4 in run()
      task 5 "reader": blocked for 2.0s  [DEADLOCKED]
          waiting: read-lock rwmutex "config" at App/Bank.swift:5 in run(), held by task 2 "writer"
          holds:   rwmutex "config" (read), acquired at App/Bank.swift:7 in take()
      task 6 "waiter": blocked for 2.0s
          waiting: wait for waitgroup "workers" at App/Bank.swift:6 in run()
      task 7 "locker": blocked for 2.0s
          waiting: lock mutex "accounts" at App/Bank.swift:7 in run(), held by task 1 "holder"
      task 8 "acquirer": blocked for 2.0s  [DEADLOCKED]
          waiting: acquire semaphore "slots" at App/Bank.swift:8 in run(), held by task 8 "acquirer"
      task 9 "sleeper": blocked for 2.0s
          waiting: wait on cond "ready" at App/Bank.swift:9 in run()
      task 10 "joiner": blocked for 2.0s  [DEADLOCKED]
          waiting: join task 2 "writer" at App/Bank.swift:10 in run()
      task 11 "sync": blocked for 2.0s
          waiting: run sync on dispatch-queue "serial" at App/Bank.swift:11 in run(), running a block on task 16 "runner"
      task 12 "futex": blocked for 2.0s
          waiting: wait on dispatch-semaphore "sema" (DispatchSemaphore.wait: no owner, any thread may signal it) at App/Bank.swift:12 in run()
      task 13 "unowned": blocked for 2.0s  [DEADLOCKED]
          waiting: lock mutex #9 (created at App/Cache.swift:12) at App/Bank.swift:13 in run(), held by task 1 "holder", task 14 "gone"
      task 14 "gone": ended 0ms ago
          holds:   mutex #9 (created at App/Cache.swift:12), acquired at App/Bank.swift:7 in take()
      task 17 "scanner": running
          holds:   rwmutex "table" (read), acquired at App/Bank.swift:7 in take()
      task 18 "first-writer": blocked for 2.0s
          waiting: write-lock rwmutex "table" at App/Bank.swift:18 in run(), held by task 17 "scanner"
      task 19 "second-writer": blocked for 2.0s
          waiting: write-lock rwmutex "table" at App/Bank.swift:19 in run(), held by task 17 "scanner", behind queued writer task 18 "first-writer"
      task 15 "kernel" (tid 4242): running  [stale]
          kernel:  in futex_wait, cpu 1.5s
          holds:   3 more locks, not listed
          spawned at App/Main.swift:9 in main()
      task 16 "runner": running
          holds:   dispatch-queue "serial", acquired at App/Bank.swift:7 in take()

    Resources
      mutex "accounts": held by task 1 "holder"; waiting: task 7 "locker"
      rwmutex "config": held by task 2 "writer" (read), task 5 "reader" (read); waiting: task 2 "writer", task 5 "reader"
      channel "jobs" (created at App/Fetch.swift:3 in fetch()): buffer 4/4, used by task 3 "producer", task 4 "picker"; waiting: task 3 "producer", task 4 "picker"
      channel "results" (created at App/Fetch.swift:3 in fetch()): unbuffered, closed, used by task 5 "reader"; waiting: task 4 "picker"
      waitgroup "workers" (created at App/Fetch.swift:3 in fetch()): counter 2, members task 6 "waiter", task 7 "locker"; waiting: task 6 "waiter"
      semaphore "slots" (created at App/Fetch.swift:3 in fetch()): 1/1 permits taken, held by task 8 "acquirer"; waiting: task 8 "acquirer"
      cond "ready" (created at App/Fetch.swift:3 in fetch()): free; waiting: task 9 "sleeper"
      rwmutex "table": held by task 17 "scanner" (read); waiting: task 18 "first-writer", task 19 "second-writer"
      dispatch-semaphore "sema": 1 thread waiting; waiting: task 12 "futex"
      mutex #9 (created at App/Cache.swift:12): held by task 1 "holder", task 14 "gone"; waiting: task 13 "unowned"
      dispatch-queue "serial": serial, running a block on task 16 "runner"; waiting: task 11 "sync"

    """#
}
