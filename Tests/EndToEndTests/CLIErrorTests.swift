import DeadtopReader
import Foundation
import Testing

/// Bad input gets a clear message and exit status 1, never a crash.
@Suite struct CLIErrorTests {
  @Test func noSuchProcess() throws {
    let outcome = try deadtop("--attach", "2147483647", "--once")
    #expect(outcome.status == 1)
    #expect(outcome.error == "deadtop: no such process: 2147483647\n")
  }

  @Test func aProcessWithoutTheRuntimeIsReadThroughProc() throws {
    let sleeper = try Sleeper()
    usleep(100_000)
    let outcome = try deadtop("--attach", "\(sleeper.pid)", "--once")
    #expect(outcome.status == 0, "stderr: \(outcome.error)")
    #expect(outcome.output.contains("Process \(sleeper.pid) \"sleep\" via /proc"))
    #expect(outcome.output.contains(": 1 task (0 running, 1 blocked, 0 ended)"), "one task, singular")
    #expect(outcome.output.contains("No deadlock found."))
    // sleep(1) sits in clock_nanosleep: a sleep, which ends by itself, not "running".
    #expect(outcome.output.contains("waiting: sleep"))
    let json = try report(try deadtop("--attach", "\(sleeper.pid)", "--once", "--json"))
    #expect(json.tasks.first?.state == "blocked")
    #expect(json.tasks.first?.wait?.kind == "sleep")
  }

  @Test func aStaleSegment() throws {
    let finished = try Subprocess(executable: "/bin/true", arguments: [], output: .discard, errors: .discard)
    finished.waitForExit()
    let path = SegmentSource.path(for: finished.pid)
    try Data(repeating: 0, count: 4096).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let outcome = try deadtop("--attach", "\(finished.pid)", "--once")
    #expect(outcome.status == 1)
    #expect(outcome.error.contains("stale segment"))
    let list = try deadtop("list")
    #expect(list.output.contains("\(finished.pid) "))
    let cleaned = try deadtop("list", "--clean")
    #expect(cleaned.output.contains("removed"))
    #expect(access(path, F_OK) != 0)
  }

  @Test func withoutUTF8TheReportIsASCII() throws {
    let outcome = try run(
      Binaries.deadtop, ["demo", "abba", "--once"],
      environment: ["LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin"])
    #expect(outcome.status == 3)
    #expect(outcome.output.contains("  -> mutex \"account-bob\" is held by"))
    #expect(!outcome.output.unicodeScalars.contains { $0.value > 127 }, "no UTF-8 under LANG=C")
  }

  @Test func badArguments() throws {
    let notANumber = try deadtop("--attach", "abc", "--once")
    #expect(notANumber.status == 1)
    #expect(notANumber.error.contains("abc"))
    let unknownDemo = try deadtop("demo", "no-such-demo")
    #expect(unknownDemo.status == 1)
    #expect(unknownDemo.error.contains("no scenario named 'no-such-demo'"))
    let both = try deadtop("--attach", "1", "--json", "--dot")
    #expect(both.status == 1)
    let theme = try deadtop("demo", "abba", "--once", "--theme", "nosuch")
    #expect(theme.status == 1, "an unknown theme is refused even without a live view")
    #expect(theme.error.hasPrefix("deadtop: no theme named 'nosuch' (found: default"))
    // Negative numbers are values to refuse, not unknown flags.
    let negative = try deadtop("--attach", "-1", "--once")
    #expect(
      negative.error == "deadtop: --attach -1: a process id is a positive number (see 'deadtop --help')\n")
    let interval = try deadtop("--attach", "1", "--interval", "-5")
    #expect(interval.error.hasPrefix("deadtop: --interval must be between 50 and 60000 milliseconds"))
    // Every error is one line starting with deadtop:.
    for outcome in [notANumber, unknownDemo, both, theme, negative, interval] {
      #expect(outcome.status == 1)
      #expect(outcome.error.hasPrefix("deadtop: "), "\(outcome.error)")
      #expect(outcome.error.filter { $0 == "\n" }.count == 1, "one line: \(outcome.error)")
    }
  }

  @Test(.needsRootAndSetpriv)
  func permissionDeniedSaysWhatIsMissing() throws {
    let demo = try DemoProcess("abba")
    // The segment is 0600 and owned by root; nobody may not read it.
    let outcome = try run(Binaries.deadtop, ["--attach", "\(demo.pid)", "--once"], as: "65534")
    #expect(outcome.status == 1, "stdout: \(outcome.output) stderr: \(outcome.error)")
    #expect(outcome.error.contains("permission denied"))
    #expect(outcome.error.contains("run deadtop as the user that runs process \(demo.pid), or as root"))
  }
}
