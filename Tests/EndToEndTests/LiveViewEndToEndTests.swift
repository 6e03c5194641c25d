import DeadtopReader
import Foundation
import Testing

/// The real binary in a real terminal: tmux runs it, keys are sent, the screen is read.
final class TmuxSession {
  let name = "deadtop-\(UUID().uuidString.prefix(8))"
  static let server = "deadtop-tests"
  /// Each session starts in a directory of its own, so that what the view saves there
  /// (the flight recording on a deadlock, an export) never lands in the repository.
  let directory = NSTemporaryDirectory() + "deadtop-tmux-\(UUID().uuidString.prefix(8))"

  init(_ command: String, width: Int = 120, height: Int = 32, environment: [String: String] = [:]) throws {
    let exports =
      (["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"].merging(environment) { $1 })
      .map { "export \($0.key)=\($0.value);" }.joined(separator: " ")
    // After the command, report its status and keep the pane open so it can be read.
    let script = "\(exports) \(command); echo EXITED=$?; sleep 60"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    _ = try tmux([
      "new-session", "-d", "-s", name, "-c", directory, "-x", "\(width)", "-y", "\(height)", script,
    ])
  }

  deinit {
    _ = try? tmux(["kill-session", "-t", name])
    try? FileManager.default.removeItem(atPath: directory)
  }

  func capture() throws -> String { try tmux(["capture-pane", "-p", "-t", name]).output }

  func send(_ keys: String...) throws { _ = try tmux(["send-keys", "-t", name] + keys) }

  /// Captures until the screen contains `text`; fails with the last screen otherwise.
  @discardableResult
  func waitFor(_ text: String, within seconds: Double = 20) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var screen = ""
    while Date() < deadline {
      screen = try capture()
      if screen.contains(text) { return screen }
      usleep(50_000)
    }
    throw HarnessError("the screen never showed \"\(text)\"; it shows:\n\(screen)")
  }

  private func tmux(_ arguments: [String]) throws -> Outcome {
    try run(URL(fileURLWithPath: "/usr/bin/tmux"), ["-L", Self.server] + arguments)
  }
}

@Suite(.needsTmux)
struct LiveViewEndToEndTests {
  @Test func theDemoShowsTheDeadlockSwitchesViewsAndQuitsCleanly() throws {
    let session = try TmuxSession("\(Binaries.deadtop.path) demo philosophers")
    let first = try session.waitFor("DEADLOCK: 1 found (certain), 6 tasks stuck")
    #expect(first.contains("demo: philosophers"))
    #expect(first.contains("✖2 "))
    // The child's pid is in the header: "deadtop (pid N)".
    let header = first.split(separator: "\n").first ?? ""
    let pid = Int32(header.split(separator: "(pid ").last?.prefix { $0.isNumber } ?? "") ?? 0
    #expect(pid > 0)

    try session.send("3")
    let cycle = try session.waitFor("Deadlock 1: cycle of 5 tasks (certain)")
    #expect(cycle.contains("[philosopher-0] ─wants─▶ mutex \"fork-1\" ─held by─▶ [philosopher-1]"))
    try session.send("2")
    try session.waitFor("fork-4")
    try session.send("?")
    try session.waitFor("Keys")
    try session.send("x", "1", "/", "philosopher-3")
    let filtered = try session.waitFor("/philosopher-3")
    #expect(!filtered.contains("philosopher-1 "))
    try session.send("Escape", "q")
    try session.waitFor("EXITED=0")
    // Quitting ends the scenario and removes its segment.
    #expect(access(SegmentSource.path(for: pid), F_OK) != 0)
    #expect(kill(pid, 0) != 0)
  }

  @Test func sigtermRestoresTheTerminal() throws {
    let demo = try DemoProcess("abba")
    let session = try TmuxSession("\(Binaries.deadtop.path) --attach \(demo.pid)")
    try session.waitFor("DEADLOCK")
    let panePid = try run(
      URL(fileURLWithPath: "/usr/bin/tmux"),
      ["-L", TmuxSession.server, "list-panes", "-t", session.name, "-F", "#{pane_pid}"]
    ).output.trimmingCharacters(in: .whitespacesAndNewlines)
    // The pane runs a shell running deadtop; signal deadtop itself, not the shell.
    let deadtop = try run(
      URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "^\(Binaries.deadtop.path) --attach \(demo.pid)"]
    )
    .output.split(separator: "\n").compactMap { Int32($0) }
    #expect(!panePid.isEmpty)
    for pid in deadtop { kill(pid, SIGTERM) }
    let after = try session.waitFor("EXITED=0")
    #expect(!after.contains("DEADLOCK"), "the alternate screen is gone")
    #expect(kill(demo.pid, 0) == 0, "deadtop never harms the process it watches")
  }

  @Test func aDumbTerminalGetsTheTextReport() throws {
    let demo = try DemoProcess("abba")
    _ = try demo.attachUntil { $0.status == 3 }
    let session = try TmuxSession(
      "\(Binaries.deadtop.path) --attach \(demo.pid)", width: 200, height: 100, environment: ["TERM": "dumb"])
    let screen = try session.waitFor("EXITED=3")
    #expect(screen.contains("cannot move the cursor: printing the report instead"))
    #expect(screen.contains("Deadlock 1: cycle of 2 tasks"))
  }

  @Test func withoutATerminalAttachPrintsTheReport() throws {
    let demo = try DemoProcess("abba")
    _ = try demo.attachUntil { $0.status == 3 }
    let outcome = try deadtop("--attach", "\(demo.pid)")
    #expect(outcome.status == 3)
    #expect(outcome.error.contains("standard output is not a terminal: printing the report instead"))
    #expect(outcome.output.contains("Deadlock 1: cycle of 2 tasks"))
  }

  @Test func exportWritesJSONAndDOT() throws {
    let directory = NSTemporaryDirectory() + "deadtop-export-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let session = try TmuxSession("cd \(directory) && \(Binaries.deadtop.path) demo double-lock")
    try session.waitFor("DEADLOCK")
    try session.send("e")
    let screen = try session.waitFor("exported deadtop-")
    try session.send("q")
    try session.waitFor("EXITED=0")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    // The flight recorder saved the minutes before the deadlock beside the export.
    #expect(files.count == 3, "\(screen)")
    #expect(files.contains { $0.hasSuffix(".json") } && files.contains { $0.hasSuffix(".dot") })
    let flight = try #require(files.first { $0.hasSuffix(".dtrec") })
    let replayed = try deadtop("replay", directory + "/" + flight, "--once", "--at", "deadlock")
    #expect(replayed.status == 3, "\(replayed.error)")
    #expect(replayed.output.contains("DEADLOCK: 1 deadlock"))
    let json = try String(
      contentsOfFile: directory + "/" + files.first { $0.hasSuffix(".json") }!, encoding: .utf8)
    #expect(json.contains("\"refresher\""))
  }
}
