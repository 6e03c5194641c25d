import ArgumentParser
import DeadtopCore
import DeadtopReader
import DeadtopTUI
import DemoScenarios

#if canImport(Glibc)
  import Glibc
#endif

/// `deadtop demo [NAME]`: runs a scenario as a child process and attaches to it: the
/// live view on a terminal (a menu without NAME), otherwise the report.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run a classic deadlock as a child process and attach to it.",
    discussion: """
      On a terminal, shows the live view (without NAME, a menu of the scenarios first). \
      With --once, --json or --dot, or without a terminal, waits for the deadlock (or the \
      fixed variant's end) and prints the report; without NAME it runs 'abba'. The same \
      scenarios run standalone with deadtop-demo; those marked "no runtime" are plain \
      Swift and C programs (deadtop-plain-demo, deadtop-plain-c-demo) read through /proc.
      """)

  @Argument(help: "The scenario (see --list).")
  var name: String?

  @Flag(help: "Run the variant that does not deadlock.")
  var fixed = false

  @Flag(help: "List the scenarios.")
  var list = false

  @Option(parsing: .unconditional, help: "Give up waiting for a deadlock after this many seconds.")
  var timeout: Double = 10

  @Flag(help: "Print the report instead of the live view.")
  var once = false

  @OptionGroup var report: ReportOptions
  @OptionGroup var live: LiveViewOptions
  @OptionGroup var recording: RecordingOptions

  func validate() throws {
    if let name, DemoCatalog.named(name) == nil {
      throw ValidationError("no scenario named '\(name)'; 'deadtop demo --list' lists them")
    }
    if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
  }

  func run() throws {
    if list {
      Output.standardOutput(DemoCatalog.list() + "\n")
      return
    }
    if !once && report.isText, try LiveViewOptions.ranLiveView(runLive) { return }
    try runReport(DemoCatalog.named(name ?? "abba")!)
  }

  /// The live view, with the menu and keys to restart or switch to the fixed variant.
  private func runLive() throws {
    let host = DemoHost()
    defer { host.stopCurrent() }
    var options = try live.sessionOptions(longWaitSeconds: report.longWait)
    recording.apply(to: &options, command: RecordingOptions.commandLine)
    var initial: DemoTarget?
    if let name { initial = try host.start(name, fixed: fixed) }
    try LiveSession(target: initial, host: host, options: options, title: host.title).run()
  }

  private func runReport(_ entry: DemoEntry) throws {
    let child = try Subprocess.demo(entry, fixed: fixed, capturesErrors: false)
    defer { child.endScenario() }
    let endsInFatalError = entry.kind == .runtime && Scenarios.named(entry.name)?.endsInFatalError == true
    let reportsToTerminal = report.isText
    var source: SnapshotSource?
    var output = ""
    var last: Analysis?
    let deadline = monotonicSeconds() + timeout
    while true {
      let arrived = child.read(waitingUpTo: 50)
      output += arrived
      if reportsToTerminal { Output.standardOutput(arrived) }
      if let status = child.status {
        if endsInFatalError && !fixed && status == 2 {
          Output.standardOutput(
            "\nThe scenario stopped with a fatal error (exit status 2), as Go's runtime would.\n")
          if let path = recording.record, source == nil {
            Output.standardError(
              "deadtop: \(path) was not written: the scenario ended before deadtop attached\n")
          }
          return
        }
        if let last { Output.standardOutput(report.render(last)) }
        throw CommandFailure("the scenario ended with status \(status)")
      }
      if source == nil, let found = DemoTarget.source(of: entry, pid: child.pid, printed: output) {
        source = try recording.recording(
          found, command: RecordingOptions.commandLine, intervalMilliseconds: 100)
      }
      if let source {
        let analysis = try source.confirmedAnalysis()
        last = analysis
        if analysis.verdict == .deadlock || analysis.verdict == .hang {
          if reportsToTerminal { Output.standardOutput("\n") }
          Output.standardOutput(report.render(analysis))
          throw ExitCode(analysis.exitStatus)
        }
        if output.contains(ScenarioRunner.finishedMarker) {
          if reportsToTerminal { Output.standardOutput("\n") }
          Output.standardOutput(report.render(analysis))
          return
        }
      }
      if monotonicSeconds() > deadline {
        if let last { Output.standardOutput(report.render(last)) }
        throw CommandFailure(
          "no deadlock and no finish within \(formatDuration(timeout)); the scenario was stopped")
      }
    }
  }
}

/// What the live view does not know about demos: the menu of scenarios, which one runs,
/// and the keys that go back to the menu, restart it or run its fixed variant.
final class DemoHost: LiveHost {
  private var current: DemoTarget?
  private var running: (name: String, fixed: Bool)?

  let picker: Picker? = Picker(
    title: "deadtop demo: choose a scenario",
    subtitle: "Each one deadlocks (starved-pool hangs); f runs its fixed variant, which finishes.",
    entries: DemoCatalog.all.map { Picker.Entry(name: $0.name, summary: $0.summary) }, chooseLabel: "Run",
    commands: [HostCommand(key: "f", label: "Fixed", help: "demo: run the selected scenario's fixed variant")]
  )

  let commands = [
    HostCommand(key: "m", label: "Menu", help: "demo: back to the menu of scenarios"),
    HostCommand(key: "r", label: "Restart", help: "demo: run this scenario again (the same variant)"),
    HostCommand(key: "f", label: "Fixed", help: "demo: run this scenario's fixed variant"),
  ]

  /// `abba` or `demo: abba (fixed)` in the header.
  var title: String? { running.map { "demo: \($0.name)" + ($0.fixed ? " (fixed)" : "") } }

  func start(_ name: String, fixed: Bool) throws -> DemoTarget {
    stopCurrent()
    guard let entry = DemoCatalog.named(name) else { throw CommandFailure("no scenario named '\(name)'") }
    let target = try DemoTarget(entry, fixed: fixed)
    current = target
    running = (name, fixed)
    return target
  }

  func stopCurrent() {
    current?.stop()
    current = nil
  }

  func choose(_ index: Int, key: Character?) -> HostOutcome {
    guard let entries = picker?.entries, entries.indices.contains(index) else {
      return .message("no scenario")
    }
    return launch(entries[index].name, fixed: key == "f")
  }

  func perform(_ key: Character) -> HostOutcome {
    switch key {
    case "m":
      stopCurrent()
      running = nil
      return .pick
    case "r", "f":
      guard let running else { return .pick }
      return launch(running.name, fixed: key == "f" || running.fixed)
    default:
      return .message("no command on \(key)")
    }
  }

  private func launch(_ name: String, fixed: Bool) -> HostOutcome {
    do {
      let target = try start(name, fixed: fixed)
      return .attach(target, title: title ?? name)
    } catch {
      return .message("cannot start \(name): \(error)")
    }
  }
}

/// A scenario running as a child for the live view; its output and errors are kept,
/// not printed, because the live view owns the terminal.
final class DemoTarget: SnapshotSource {
  let child: Subprocess
  private var source: SnapshotSource?
  private var output = ""

  struct Ended: Error, CustomStringConvertible {
    let status: Int32
    let lastLine: String
    var description: String {
      "exit status \(status)" + (lastLine.isEmpty ? "" : ": \(lastLine)")
    }
  }

  var pid: Int32 { child.pid }

  init(_ entry: DemoEntry, fixed: Bool) throws {
    child = try Subprocess.demo(entry, fixed: fixed, capturesErrors: true)
    let deadline = monotonicSeconds() + 5
    while source == nil && monotonicSeconds() < deadline && child.status == nil {
      output += child.read(waitingUpTo: 20)
      source = Self.source(of: entry, pid: child.pid, printed: output)
    }
    if source == nil {
      let status = child.status
      child.endScenario()
      throw CommandFailure(
        "scenario \(entry.name) did not start (status \(status.map(String.init) ?? "none"))")
    }
  }

  /// How a demo is read: a runtime scenario through its segment, which appears when it
  /// first uses the runtime; a plain program through /proc, once it says it has started.
  static func source(of entry: DemoEntry, pid: Int32, printed: String) -> SnapshotSource? {
    switch entry.kind {
    case .runtime: try? SegmentSource(pid: pid)
    case .plain: printed.contains("attach from another terminal") ? try? ProcSource(pid: pid) : nil
    }
  }

  func snapshot() throws -> Snapshot {
    output += child.read(waitingUpTo: 0)
    if let status = child.status {
      output += child.read(waitingUpTo: 0)
      let lines = output.split(separator: "\n").filter { !$0.hasPrefix("\t") && !$0.isEmpty }
      let fatal = lines.last { $0.hasPrefix("fatal error") } ?? lines.last ?? ""
      throw Ended(status: status, lastLine: String(fatal))
    }
    return try source!.snapshot()
  }

  func stop() { child.endScenario() }
}

/// The runner behind `deadtop demo`, started as `deadtop scenario NAME`.
struct ScenarioCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scenario", abstract: "Run a demo scenario in this process (used by demo).",
    shouldDisplay: false)

  @Argument(parsing: .captureForPassthrough)
  var arguments: [String] = []

  func run() throws {
    let status = ScenarioRunner.main(arguments)
    if status != 0 { throw ExitCode(status) }
  }
}

/// Where a program built (or installed) with deadtop lies: beside this binary.
func besideThisBinary(_ program: String) -> String {
  (currentExecutable().split(separator: "/").dropLast() + [Substring(program)]).reduce("") { $0 + "/" + $1 }
}

/// This binary's path: the demo child runs it again, so that it shows as `deadtop`.
func currentExecutable() -> String {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  guard count > 0 else { return "/proc/self/exe" }
  return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
