import DeadtopReader
import Foundation
import Testing

/// The terminal is never left broken and deadtop never dies of its target's segment.
@Suite(.needsTmux)
struct TerminalSafetyEndToEndTests {
  @Test func aSegmentTruncatedWhileAttachedIsSaidAndTheViewStays() throws {
    // No sampler: the target itself never writes to its segment again once deadlocked,
    // so the truncation reaches deadtop first (a writing target would fault on it).
    let demo = try DemoProcess("abba", environment: ["DEADTOP_SAMPLER": "0"])
    let session = try TmuxSession("\(Binaries.deadtop.path) --attach \(demo.pid)")
    try session.waitFor("DEADLOCK: 1 found")
    #expect(truncate(SegmentSource.path(for: demo.pid), 4096) == 0)
    let screen = try session.waitFor("shrank from")
    #expect(screen.contains("stopped reading process \(demo.pid), showing its last snapshot"))
    #expect(screen.contains("DEADLOCK: 1 found"), "the last snapshot stays on screen")
    try session.send("q")
    try session.waitFor("EXITED=0")
  }

  @Test func aFatalSignalRestoresTheTerminalFirst() throws {
    let demo = try DemoProcess("abba")
    let session = try TmuxSession("\(Binaries.deadtop.path) --attach \(demo.pid)")
    try session.waitFor("DEADLOCK")
    let pids = try run(
      URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "^\(Binaries.deadtop.path) --attach \(demo.pid)"]
    ).output.split(separator: "\n").compactMap { Int32($0) }
    #expect(!pids.isEmpty)
    for pid in pids { kill(pid, SIGSEGV) }
    // The crash report goes on non-interactively (standard input is detached): no wait for a key.
    let after = try session.waitFor("EXITED=", within: 60)
    #expect(
      after.contains("deadtop: fatal signal SIGSEGV (invalid memory access); the terminal was restored"))
    #expect(!after.contains("1 Tasks   2 Resources"), "the live view's screen is gone")
    #expect(kill(demo.pid, 0) == 0, "deadtop never harms the process it watches")
  }
}
