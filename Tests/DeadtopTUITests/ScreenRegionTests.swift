import DeadtopCore
import Testing

@testable import DeadtopTUI

/// Whole regions of the screen at both sizes, read aloud before they were pinned here.
@Suite struct ScreenRegionTests {
  @Test func theHeaderAndKeyBarAt80x24() {
    let screen = render(width: 80, height: 24)
    #expect(
      lines(screen, 0..<4) == [
        " deadtop  bank (pid 4242)  up 1m00s  refresh 500ms",
        " Tasks: 6 (2 running, 3 blocked, 1 ended)  Resources: 3",
        " ✖ DEADLOCK: 1 found (certain), 2 tasks stuck: others run on  [3] explains it",
        " 1 Tasks   2 Resources   3 Deadlocks   4 Order   5 Sched   6 Events",
      ])
    #expect(screen.line(23) == "F1Help EnterDetails /Filter <>Sort SpcPause tTheme eExport qQuit")
  }

  @Test func theTasksTableAt80x24() {
    let screen = render(width: 80, height: 24)
    // Who it waits for and where come before what it holds (left to the details pane).
    #expect(
      lines(screen, 4..<16) == [
        " ID▼ NAME          STATE   FOR   WAITS FOR            BLOCKED BY    SITE",
        " 1   main          running",
        "✖2   pay-alice-bob blocked 3.0s  lock \"account-bob\"   pay-bob-alice Transfer:23",
        "✖3   pay-bob-alice blocked 3.0s  lock \"account-alice\" pay-alice-bob Transfer:23",
        " 4   auditor       running",
        " 5   reporter      blocked 9.0s  write-lock \"ledger\"  auditor       Transfer:40",
        " 6   old-worker    ended",
        "── selected (Enter for all) ────────────────────────────────────────────────────",
        " task 1 \"main\"",
        "   state:   running",
        "   thread:  tid 500",
        "",
      ])
  }

  @Test func theTasksTableAt120x40() {
    let screen = render(width: 120, height: 40)
    #expect(
      lines(screen, 4..<11) == [
        " ID▼ TID  NAME             STATE   FOR    WAITS FOR             BLOCKED BY    SITE                   HOLDS",
        " 1   500  main             running",
        "✖2   501  pay-alice-bob    blocked 3.0s   lock \"account-bob\"    pay-bob-alice Transfer.swift:23      \"account-alice\"",
        "✖3   502  pay-bob-alice    blocked 3.0s   lock \"account-alice\"  pay-alice-bob Transfer.swift:23      \"account-bob\"",
        " 4   503  auditor          running                                                                   \"ledger\" (read)",
        " 5   504  reporter         blocked 9.0s   write-lock \"ledger\"   auditor       Transfer.swift:40",
        " 6   505  old-worker       ended",
      ])
  }

  @Test func theDetailsPaneFollowsTheSelection() {
    var state = AppState()
    state.selection[.tasks] = 1
    let screen = render(state, width: 80, height: 24)
    #expect(
      screen.line(11) == "── selected (Enter for all) ────────────────────────────────────────────────────")
    #expect(screen.line(12) == " task 2 \"pay-alice-bob\"")
    #expect(
      screen.line(13).hasPrefix("   waiting: lock mutex \"account-bob\" at Bank/Transfer.swift:23 in move()"))
    // Too many rows for a pane: none is drawn.
    #expect(render(state, width: 80, height: 14).text.contains("selected (Enter for all)") == false)
  }

  @Test func idsAndSitesAreNeverCutWhereTheyMatter() {
    // A /proc process: thread ids of seven digits, locks named by their futex address.
    let snapshot = Snapshot(
      process: ProcessSummary(pid: 2_424_242, name: "service", source: .proc), takenAtNanoseconds: 10,
      tasks: [
        TaskInfo(
          id: 2_424_242, osThreadID: 2_424_242, name: "service (main)", state: .blocked,
          wait: Wait(
            kind: .mutex, target: .resource(0x7f3a_1000_2040), sinceNanoseconds: 1, sequence: 1,
            site: CallSite(
              file: "Sources/VeryLongModuleName/SomeDeeplyNestedFile.swift", line: 1234, function: ""))),
        TaskInfo(
          id: 2_424_250, osThreadID: 2_424_250, name: "worker", state: .running,
          holds: [Hold(resource: 0x7f3a_1000_2040, mode: .exclusive)]),
      ],
      resources: [ResourceInfo(id: 0x7f3a_1000_2040, kind: .mutex, name: "queue_lock")])
    let tasks = render(of: Analysis(snapshot), width: 80, height: 24)
    #expect(tasks.line(5).hasPrefix(" 2424242 "))
    #expect(tasks.line(5).hasSuffix("…File:1234"), "the site keeps its line: \(tasks.line(5))")
    var state = AppState()
    state.view = .resources
    let resources = render(state, of: Analysis(snapshot), width: 80, height: 24)
    #expect(resources.line(5).hasPrefix(" 0x7f3a10002040 mutex"))
  }

  @Test func theKeyBarAlwaysKeepsQuit() {
    let commands = [
      HostCommand(key: "m", label: "Menu", help: ""), HostCommand(key: "r", label: "Restart", help: ""),
      HostCommand(key: "f", label: "Fixed", help: ""),
    ]
    let frame = Frame(analysis: bankAnalysis(), commands: commands)
    #expect(
      Renderer.render(AppState(), frame, width: 80, height: 24).line(23)
        == "F1Help EnterDetails /Filter <>Sort SpcPause tTheme mMenu rRestart fFixed qQuit")
    #expect(
      Renderer.render(AppState(), frame, width: 40, height: 24).line(23)
        == "F1Help EnterDetails mMenu fFixed qQuit")
  }

  @Test func theDeadlocksViewAt80x24AndWhatEnterOpensOnEachLine() {
    var state = AppState()
    state.view = .deadlocks
    let frame = Renderer.draw(state, Frame(analysis: bankAnalysis()), width: 80, height: 24)
    #expect(
      lines(frame.screen, 4..<17) == [
        " Deadlock 1: cycle of 2 tasks (certain)",
        "   [pay-alice-bob] ─wants─▶ mutex \"account-bob\" ─held by─▶ [pay-bob-alice]",
        "       ─wants─▶ mutex \"account-alice\" ─held by─▶ [pay-alice-bob]",
        "     task 2 \"pay-alice-bob\" waits to lock mutex \"account-bob\" for 3.0s, at",
        "         Bank/Transfer.swift:23 in move()",
        "   → mutex \"account-bob\" is held by task 3 \"pay-bob-alice\" (acquired at",
        "       Bank/Transfer.swift:21 in move())",
        "     task 3 \"pay-bob-alice\" waits to lock mutex \"account-alice\" for 3.0s, at",
        "         Bank/Transfer.swift:23 in move()",
        "   → mutex \"account-alice\" is held by task 2 \"pay-alice-bob\" (acquired at",
        "       Bank/Transfer.swift:21 in move()): back to the start",
        "   why certain: every wait in the cycle is on a lock, a join, a member task or",
        "       a serial queue",
      ])
    #expect(frame.target == .task(2), "the heading opens the cycle's first task")
    #expect(frame.screen.role(ofRow: 4) == .selected)
    let targets = (0..<12).map { line in
      var moved = state
      moved.selection[.deadlocks] = line
      return Renderer.draw(moved, Frame(analysis: bankAnalysis()), width: 80, height: 24).target
    }
    #expect(
      targets == [
        .task(2), .task(2), .task(2), .task(2), .task(2), .task(3), .task(3), .task(3), .task(3), .task(2),
        .task(2), nil,
      ])
  }

  @Test func detailsOpenWhatTheirLinesName() throws {
    var state = AppState().opening(.task(2))
    let frame = Renderer.draw(state, Frame(analysis: bankAnalysis()), width: 80, height: 24)
    #expect(
      lines(frame.screen, 4..<12) == [
        " task 2 \"pay-alice-bob\"",
        "   waiting: lock mutex \"account-bob\" at Bank/Transfer.swift:23 in move(), held",
        "       by task 3 \"pay-bob-alice\"",
        "   holds:   mutex \"account-alice\", acquired at Bank/Transfer.swift:21 in move()",
        "   state:   blocked",
        "   thread:  tid 501",
        "   needs all of:",
        "     task 3 \"pay-bob-alice\"",
      ])
    state.detailSelection = 3
    #expect(
      Renderer.draw(state, Frame(analysis: bankAnalysis()), width: 80, height: 24).target == .resource(10))
    state.detailSelection = 7
    let needed = try #require(
      Renderer.draw(state, Frame(analysis: bankAnalysis()), width: 80, height: 24).target)
    #expect(needed == .task(3))
    let opened = state.opening(needed)
    #expect(opened.details == [.task(2), .task(3)])
    #expect(render(opened).line(4) == " task 3 \"pay-bob-alice\"")
  }

  @Test func thePickerAndItsHelp() {
    var state = AppState()
    state.picking = true
    let frame = pickerFrame()
    let screen = Renderer.render(state, frame, width: 80, height: 24)
    #expect(
      lines(screen, 0..<5) == [
        " deadtop demo: choose a scenario", " Each one deadlocks", "", "  abba         AB-BA",
        "  double-lock  twice",
      ])
    #expect(screen.line(23) == "EnterRun fFixed ↑↓Move ?Help qQuit")
    state.showingHelp = true
    let help = Renderer.render(state, frame, width: 80, height: 24)
    #expect(help.line(4) == " Keys")
    state.helpScroll = 10
    let scrolled = Renderer.render(state, frame, width: 80, height: 24)
    let fixed = row(scrolled, containing: "run the fixed variant")
    #expect(fixed.map { scrolled.line($0).hasPrefix("   f  ") } == true, "help lists the host's keys")
  }
}
