// One file over ~350 lines: the screen fixtures and the tests that read them, one suite per view.
import DeadtopCore
import Testing

@testable import DeadtopTUI

/// An AB-BA deadlock beside a healthy server task and a long wait, as in a real process.
func bankAnalysis() -> Analysis {
  let now: UInt64 = 100_000_000_000
  func site(_ line: UInt32) -> CallSite {
    CallSite(file: "Bank/Transfer.swift", line: line, function: "move()")
  }
  let tasks = [
    TaskInfo(id: 1, osThreadID: 500, name: "main", state: .running),
    TaskInfo(
      id: 2, osThreadID: 501, name: "pay-alice-bob", state: .blocked,
      wait: Wait(
        kind: .mutex, target: .resource(11), sinceNanoseconds: now - 3_000_000_000, sequence: 1,
        site: site(23)),
      holds: [Hold(resource: 10, mode: .exclusive, site: site(21))]),
    TaskInfo(
      id: 3, osThreadID: 502, name: "pay-bob-alice", state: .blocked,
      wait: Wait(
        kind: .mutex, target: .resource(10), sinceNanoseconds: now - 3_000_000_000, sequence: 2,
        site: site(23)),
      holds: [Hold(resource: 11, mode: .exclusive, site: site(21))]),
    TaskInfo(
      id: 4, osThreadID: 503, name: "auditor", state: .running, holds: [Hold(resource: 12, mode: .shared)]),
    TaskInfo(
      id: 5, osThreadID: 504, name: "reporter", state: .blocked,
      wait: Wait(
        kind: .writeLock, target: .resource(12), sinceNanoseconds: now - 9_000_000_000, sequence: 3,
        site: site(40))),
    TaskInfo(
      id: 6, osThreadID: 505, name: "old-worker", state: .ended, endedAtNanoseconds: now - 1_000_000_000),
  ]
  let resources = [
    ResourceInfo(id: 10, kind: .mutex, name: "account-alice", site: site(5)),
    ResourceInfo(id: 11, kind: .mutex, name: "account-bob", site: site(6)),
    ResourceInfo(id: 12, kind: .rwMutex, name: "ledger", site: site(7)),
  ]
  return Analysis(
    Snapshot(
      process: ProcessSummary(
        pid: 4242, name: "bank", source: .runtime, abiVersion: 1, startedAtNanoseconds: now - 60_000_000_000),
      takenAtNanoseconds: now, tasks: tasks, resources: resources))
}

func render(
  _ state: AppState = AppState(), of analysis: Analysis = bankAnalysis(), width: Int = 80, height: Int = 24,
  glyphs: Glyphs = .unicode
) -> Screen {
  Renderer.render(state, Frame(analysis: analysis, glyphs: glyphs), width: width, height: height)
}

/// A host's picker with two entries and one key, as deadtop demo shows it.
func pickerFrame() -> Frame {
  Frame(
    analysis: nil,
    picker: Picker(
      title: "deadtop demo: choose a scenario", subtitle: "Each one deadlocks",
      entries: [.init(name: "abba", summary: "AB-BA"), .init(name: "double-lock", summary: "twice")],
      chooseLabel: "Run", commands: [HostCommand(key: "f", label: "Fixed", help: "run the fixed variant")]))
}

/// Rows of the screen as text: screens are compared a region at a time, so that an
/// overlap or a cut that a substring check would miss fails the test.
func lines(_ screen: Screen, _ rows: Range<Int>) -> [String] { rows.map(screen.line) }

/// The first row containing `text`. (A function of the screen's lines, so that a
/// failing expectation prints lines, not every cell.)
func row(_ screen: Screen, containing text: String) -> Int? {
  let lines = (0..<screen.height).map(screen.line)
  return lines.firstIndex { $0.contains(text) }
}

@Suite struct ScreenTests {
  @Test(arguments: [(80, 24), (120, 40)])
  func theTasksViewMarksTheDeadlock(size: (Int, Int)) throws {
    let screen = render(width: size.0, height: size.1)
    #expect(screen.line(0).contains("deadtop  bank (pid 4242)"))
    #expect(screen.line(1).contains("Tasks: 6 (2 running, 3 blocked, 1 ended)"))
    #expect(screen.line(2).contains("✖ DEADLOCK: 1 found (certain), 2 tasks stuck: others run on"))
    #expect(screen.role(ofRow: 2) == .banner)
    #expect(screen.line(4).contains("NAME"))
    let alice = try #require(row(screen, containing: "pay-alice-bob"))
    #expect(screen.line(alice).hasPrefix("✖"))
    #expect(screen.line(alice).contains("lock \"account-bob\""))
    #expect(screen.line(alice).contains("pay-bob-alice"), "who it waits for")
    #expect(screen.role(ofRow: alice) == .deadlock)
    let reporter = try #require(row(screen, containing: "reporter"))
    #expect(screen.role(ofRow: reporter) == .warning, "a 9 s wait is long")
    let ended = try #require(row(screen, containing: "old-worker"))
    #expect(screen.role(ofRow: ended) == .ended)
    // The first row is selected.
    #expect(screen.role(ofRow: 5) == .selected)
    #expect(screen.line(4).contains("BLOCKED BY"))
    #expect(screen.line(size.1 - 1).hasPrefix("F1Help EnterDetails"))
    if size.0 >= 100 {
      #expect(screen.line(4).contains("TID"))
      #expect(screen.line(alice).contains("Transfer.swift:23"))
      #expect(screen.line(alice).contains("\"account-alice\""), "what it holds")
    }
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func theResourcesViewShowsHoldersAndWaiters(size: (Int, Int)) throws {
    var state = AppState()
    state.view = .resources
    let screen = render(state, width: size.0, height: size.1)
    let bob = try #require(row(screen, containing: "account-bob"))
    #expect(screen.line(bob).contains("pay-bob-alice"))
    #expect(screen.line(bob).contains("pay-alice-bob"))
    let ledger = try #require(row(screen, containing: "ledger"))
    #expect(screen.line(ledger).contains("auditor (read)"))
    #expect(screen.line(ledger).contains("rwmutex"))
    #expect(screen.role(ofRow: try #require(row(screen, containing: "account-alice"))) != .normal)
  }

  @Test(arguments: [(80, 24), (120, 40)])
  func theDeadlocksViewDrawsTheChain(size: (Int, Int)) throws {
    var state = AppState()
    state.view = .deadlocks
    state.selection[.deadlocks] = 3
    let screen = render(state, width: size.0, height: size.1)
    let title = try #require(row(screen, containing: "Deadlock 1: cycle of 2 tasks (certain)"))
    #expect(screen.role(ofRow: title) == .deadlock)
    #expect(screen.role(ofRow: 4 + 3) == .selected)
    #expect(screen.text.contains("[pay-alice-bob] ─wants─▶ mutex \"account-bob\" ─held by─▶ [pay-bob-alice]"))
    #expect(screen.text.contains("Transfer.swift:21"))
  }

  @Test func detailsOfATaskListEverything() throws {
    let state = AppState().opening(.task(2))
    let screen = render(state, width: 120, height: 40)
    #expect(screen.text.contains("task 2 \"pay-alice-bob\""))
    #expect(
      screen.text.contains("holds:   mutex \"account-alice\", acquired at Bank/Transfer.swift:21 in move()"))
    #expect(screen.text.contains("waiting: lock mutex \"account-bob\" at Bank/Transfer.swift:23 in move()"))
    let needs = try #require(row(screen, containing: "needs all of:"))
    #expect(screen.line(needs + 1) == "     task 3 \"pay-bob-alice\"")
    #expect(screen.text.contains("DEADLOCKED"))
  }

  @Test func detailsOfALockListHoldersAndWaiters() throws {
    let state = AppState().opening(.resource(12))
    let screen = render(state, width: 120, height: 40)
    #expect(screen.text.contains("rwmutex \"ledger\""))
    #expect(screen.text.contains("task 4 \"auditor\" (read)"))
    #expect(screen.text.contains("task 5 \"reporter\" wants write-lock for 9.0s, at Bank/Transfer.swift:40"))
  }

  @Test func aFilterNarrowsTheRows() throws {
    var state = AppState()
    state.filter = "alice"
    let screen = render(state)
    #expect(row(screen, containing: "pay-alice-bob") != nil)
    #expect(row(screen, containing: "pay-bob-alice") != nil, "it waits for account-alice")
    #expect(row(screen, containing: "reporter") == nil)
    #expect(row(screen, containing: "auditor") == nil)
    #expect(screen.line(3).hasSuffix("/alice"))
    state.filter = "nothing-matches"
    #expect(render(state).text.contains("No task matches /nothing-matches"))
  }

  @Test func pausedIsShownInTheHeader() {
    var state = AppState()
    state.paused = true
    let screen = render(state)
    #expect(screen.line(0).hasSuffix("PAUSED"))
  }

  @Test func aTinyTerminalSaysSo() {
    let screen = render(width: 39, height: 9)
    #expect(screen.line(0) == "Terminal too small: 39x9")
    let smallest = render(width: 40, height: 10)
    #expect(smallest.line(0).contains("deadtop"))
    #expect(render(width: 1, height: 1).line(0) == "T")
    #expect(render(width: 0, height: 0).text == "")
  }

  @Test func asciiGlyphsWithoutUTF8() {
    var state = AppState()
    state.view = .deadlocks
    let screen = render(state, width: 120, height: 40, glyphs: .ascii)
    #expect(screen.text.contains("[pay-alice-bob] -wants-> mutex \"account-bob\""))
    #expect(!screen.text.unicodeScalars.contains { $0.value > 127 })
    #expect(render(width: 120, height: 40, glyphs: .ascii).text.contains("X2 "))
  }

  @Test func theHelpListsEveryKey() {
    var state = AppState()
    state.showingHelp = true
    let screen = render(state, width: 120, height: 40)
    for entry in KeyMap.help { #expect(screen.text.contains(entry.meaning)) }
  }

  @Test func viewsWithoutHistorySayWhatTheyWillShow() {
    // The body (below the tabs, which name every view) says it.
    var state = AppState()
    state.view = .schedtrace
    #expect(
      lines(render(state), 4..<8) == [
        " Schedtrace", "", " No record yet: the runtime's sampler writes one per interval",
        "     (DEADTOP_SCHEDTRACE_MS, 1 s by default).",
      ])
    state.view = .events
    #expect(lines(render(state), 4..<7) == [" Events", "", " No event yet."])
  }

  @Test func aPredictedDeadlockIsInTheHeader() {
    var snapshot = bankAnalysis().snapshot
    snapshot.tasks = snapshot.tasks.filter { $0.state != .blocked }
    snapshot.lockOrder = [
      LockOrderEdge(
        from: LockClass(key: 1, name: "inventory"), to: LockClass(key: 2, name: "pricing"), task: 2),
      LockOrderEdge(
        from: LockClass(key: 2, name: "pricing"), to: LockClass(key: 1, name: "inventory"), task: 3),
    ]
    let screen = render(of: Analysis(snapshot))
    #expect(screen.line(2) == " No deadlock.  1 potential deadlock from lock order [4]")
    #expect(screen.role(ofRow: 2) == .warning)
  }

  @Test func theLockOrderViewShowsPredictedDeadlocks() {
    var analysisSnapshot = bankAnalysis().snapshot
    let a = LockClass(key: 1, name: "inventory")
    let b = LockClass(key: 2, name: "pricing")
    analysisSnapshot.lockOrder = [
      LockOrderEdge(from: a, to: b, task: 2), LockOrderEdge(from: b, to: a, task: 3),
    ]
    var state = AppState()
    state.view = .lockOrder
    let screen = Renderer.render(state, Frame(analysis: Analysis(analysisSnapshot)), width: 120, height: 40)
    #expect(screen.text.contains("Potential deadlock 1 (lock order, has not happened)"))
    #expect(screen.text.contains("Orders recorded (2)"))
  }

  @Test func theDemoMenuListsScenarios() throws {
    var state = AppState()
    state.picking = true
    state.pickerSelection = 1
    let frame = pickerFrame()
    let screen = Renderer.render(state, frame, width: 80, height: 24)
    #expect(screen.line(0).contains("choose a scenario"))
    let selected = try #require(row(screen, containing: "double-lock"))
    #expect(screen.role(ofRow: selected) == .selected)
  }

  @Test func anExitedProcessKeepsItsLastSnapshot() {
    let frame = Frame(
      analysis: bankAnalysis(), exitedNote: "process 4242 has exited: showing its last snapshot.")
    let screen = Renderer.render(AppState(), frame, width: 80, height: 24)
    #expect(screen.line(2).contains("DEADLOCK: 1 found"), "the last snapshot's verdict stays")
    #expect(screen.line(22) == " process 4242 has exited: showing its last snapshot.")
    #expect(screen.role(ofRow: 22) == .warning)
    #expect(row(screen, containing: "pay-alice-bob") != nil)
  }
}

@Suite struct ProcSourceScreenTests {
  @Test func theHeaderSaysTheDataComesFromProc() {
    let snapshot = Snapshot(
      process: ProcessSummary(pid: 77, name: "service", source: .proc), takenAtNanoseconds: 1,
      tasks: [
        TaskInfo(
          id: 77, osThreadID: 77, name: "service (main)", state: .running, detail: "sleeping, in pause")
      ], resources: [])
    let screen = Renderer.render(AppState(), Frame(analysis: Analysis(snapshot)), width: 120, height: 30)
    #expect(screen.line(0).contains("source: /proc"))
    #expect(screen.text.contains("sleeping, in pause"))
  }
}

@Suite struct HistoryViewTests {
  func history() -> Analysis {
    var snapshot = bankAnalysis().snapshot
    snapshot.schedtrace = (1...5).map { index in
      SchedRecord(
        timeNanoseconds: UInt64(index) * 1_000_000_000,
        line: "SCHED \(index * 1000)ms: tasks=6 blocked=\(index)",
        tasks: 6, blocked: index, acquisitions: UInt64(index * 100), intervalNanoseconds: 1_000_000_000)
    }
    snapshot.events = [
      Event(kind: .spawn, timeNanoseconds: 40_000_000_000, task: 1, target: 2),
      Event(
        kind: .block, timeNanoseconds: 41_000_000_000, task: 2, target: 11,
        site: CallSite(file: "Bank/Transfer.swift", line: 23, function: "move()"), waitKind: .mutex),
    ]
    return Analysis(snapshot)
  }

  @Test func theSchedtraceViewListsHistoryNewestFirst() throws {
    var state = AppState()
    state.view = .schedtrace
    let screen = Renderer.render(state, Frame(analysis: history()), width: 120, height: 40)
    let first = try #require(row(screen, containing: "SCHED 5000ms"))
    let last = try #require(row(screen, containing: "SCHED 1000ms"))
    #expect(first < last)
    // The header draws sparklines of the recent intervals.
    #expect(screen.line(2).hasSuffix("acq/s ▂▃▅▆█ blocked ▂▃▅▆█"))
    #expect(screen.line(1).contains("last 1.0s: acquired 500, contended 0, blocked 0"))
  }

  @Test func theEventsViewFilters() {
    var state = AppState()
    state.view = .events
    let screen = Renderer.render(state, Frame(analysis: history()), width: 120, height: 40)
    #expect(
      screen.text.contains(
        "block     task 2 \"pay-alice-bob\"  lock mutex \"account-bob\" at Bank/Transfer.swift:23"))
    #expect(screen.text.contains("spawn     task 1 \"main\"  spawned task 2 \"pay-alice-bob\""))
    state.filter = "spawn"
    let filtered = Renderer.render(state, Frame(analysis: history()), width: 120, height: 40)
    #expect(!filtered.text.contains("block     task 2"))
  }
}

/// Workers feeding a closed, full channel; a WaitGroup with members; a semaphore.
func pipelineAnalysis() -> Analysis {
  let now: UInt64 = 100_000_000_000
  let tasks = [
    TaskInfo(id: 1, name: "main", state: .running),
    TaskInfo(
      id: 2, name: "producer", state: .blocked,
      wait: Wait(kind: .send, target: .resource(20), sinceNanoseconds: now - 2_000_000_000, sequence: 1)),
    TaskInfo(id: 3, name: "consumer", state: .running),
  ]
  var results = ResourceInfo(
    id: 20, kind: .channel, name: "results", capacity: 4, count: 4, closed: false, users: [2, 3],
    references: 3)
  results.createdAtNanoseconds = 1
  let resources = [
    results,
    ResourceInfo(id: 21, kind: .channel, name: "done", closed: true, users: [1]),
    ResourceInfo(id: 22, kind: .waitGroup, name: "workers", count: 2, users: [2, 3], listsMembers: true),
    ResourceInfo(
      id: 23, kind: .semaphore, name: "slots", capacity: 2, count: 1, users: [3], listsMembers: true),
  ]
  return Analysis(
    Snapshot(
      process: ProcessSummary(pid: 7, name: "pipeline", source: .runtime, abiVersion: 2),
      takenAtNanoseconds: now, tasks: tasks, resources: resources))
}

@Suite struct SynchronizerScreenTests {
  @Test(arguments: [(80, 24), (120, 40)])
  func theResourcesViewShowsBufferFillClosedAndMembers(size: (Int, Int)) throws {
    var state = AppState()
    state.view = .resources
    let screen = render(state, of: pipelineAnalysis(), width: size.0, height: size.1)
    let results = try #require(row(screen, containing: "results"))
    #expect(screen.line(results).contains("channel"))
    #expect(screen.line(results).contains("buffer 4/4"))
    #expect(screen.line(results).contains("producer"))  // waiting to send
    let done = try #require(row(screen, containing: "done"))
    #expect(screen.line(done).contains("unbuffered, closed"))
    let workers = try #require(row(screen, containing: "workers"))
    #expect(screen.line(workers).contains(size.0 >= 100 ? "counter 2" : "producer"))
    let slots = try #require(row(screen, containing: "slots"))
    #expect(screen.line(slots).contains("consumer"))
    if size.0 >= 100 {
      #expect(screen.line(4).contains("STATE"))
      #expect(screen.line(slots).contains("1/2 permits taken"))
    }
  }

  @Test func detailsOfAChannelShowItsStateUsersAndReferences() throws {
    var state = AppState()
    state.view = .resources
    state = state.opening(.resource(20))
    let screen = render(state, of: pipelineAnalysis(), width: 120, height: 40)
    #expect(row(screen, containing: "state: buffer 4/4") != nil)
    let users = try #require(row(screen, containing: "used by:"))
    #expect(
      lines(screen, (users + 1)..<(users + 3)) == ["     task 2 \"producer\"", "     task 3 \"consumer\""])
    #expect(row(screen, containing: "references outside the runtime: 3") != nil)
    #expect(row(screen, containing: "task 2 \"producer\" wants send for 2.0s") != nil)
  }

  @Test func detailsOfAChannelMarkItsOneWayUsers() throws {
    var analysis = pipelineAnalysis()
    var snapshot = analysis.snapshot
    let position = try #require(snapshot.resources.firstIndex { $0.id == 20 })
    snapshot.resources[position].uses = [[.maySend, .hasSent], .mayReceive]
    analysis = Analysis(snapshot)
    var state = AppState()
    state.view = .resources
    state = state.opening(.resource(20))
    let screen = render(state, of: analysis, width: 120, height: 40)
    let users = try #require(row(screen, containing: "used by:"))
    #expect(
      lines(screen, (users + 1)..<(users + 3)) == [
        "     task 2 \"producer\" (send-only)", "     task 3 \"consumer\" (receive-only)",
      ])
  }
}
