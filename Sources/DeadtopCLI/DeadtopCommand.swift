import ArgumentParser
import DeadtopCore
import DeadtopReader
import DeadtopReports
import DeadtopTUI

#if canImport(Glibc)
  import Glibc
#endif

/// Exit statuses, documented in the README.
enum Status {
  static let clean: Int32 = 0
  static let failure: Int32 = 1
  static let deadlock: Int32 = 3
  /// No deadlock was found, but the facts a verdict needs were hidden (permissions).
  static let unknown: Int32 = 4
  /// No deadlock, but every thread of the Swift concurrency pool is blocked.
  static let hang: Int32 = 5
}

extension Analysis {
  /// The documented exit status of a report.
  var exitStatus: Int32 {
    switch verdict {
    case .deadlock: Status.deadlock
    case .hang: Status.hang
    case .noDeadlock: Status.clean
    case .unknown: Status.unknown
    }
  }
}

/// A failure to report as `deadtop: <message>` with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The formats besides the text report; the flags exclude each other.
enum ReportFormat: String, EnumerableFlag {
  case json, dot

  static func help(for value: ReportFormat) -> ArgumentHelp? {
    switch value {
    case .json: "Print the report as JSON (schema: README, \"JSON report\")."
    case .dot: "Print the wait-for graph as Graphviz DOT."
    }
  }
}

/// The runtime's histories, one at a time.
enum TraceMode: String, EnumerableFlag {
  case schedtrace, events, profile

  static func help(for value: TraceMode) -> ArgumentHelp? {
    switch value {
    case .schedtrace:
      "Print the scheduler trace: the ring's history, then a line per interval as it comes (with --once, the history only)."
    case .events: "Print the recent blocking events (block, wake, hand-off, spawn, exit)."
    case .profile: "Print the contention profile: locks and call sites by total time waited."
    }
  }
}

struct ReportOptions: ParsableArguments {
  @Flag(exclusivity: .exclusive) var format: ReportFormat?

  func validate() throws {
    guard longWait > 0 else { throw ValidationError("--long-wait must be a positive number of seconds") }
  }

  /// The text report (or the live view), not JSON or DOT.
  var isText: Bool { format == nil }

  // `.unconditional`: a negative number is a value to reject, not an unknown flag.
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Report tasks waiting at least this long as long waits (the live view marks them).",
      valueName: "seconds"))
  var longWait: Double = 10

  func render(_ analysis: Analysis) -> String {
    switch format {
    case nil: TextReport.render(analysis, longWaitSeconds: longWait)
    case .json: JSONReport.render(analysis, longWaitSeconds: longWait)
    case .dot: DOTReport.render(analysis)
    }
  }
}

/// The root: its options live in `AttachCommand`, the default subcommand, so that
/// `deadtop --attach PID` works and `deadtop demo --once` reaches demo's own flags.
struct DeadtopCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "deadtop",
    abstract:
      "A live deadlock monitor: who runs, who waits on what, who holds what, and every wait-for cycle.",
    discussion: """
      deadtop --attach PID [--once [--json | --dot] [--stacks]] [--long-wait S]
              [--interval MS] [--theme NAME|PATH] [--themes-dir DIR] [--no-color]
      (all options: deadtop attach --help)
              [--record FILE [--record-max-mb N]] [--flight-dir DIR | --no-flight-recorder]
      deadtop import FILE|- [--once [--json | --dot]]   a Go goroutine dump or a Java thread dump
      deadtop replay FILE [--once [--json | --dot]] [--at start|end|deadlock|TIME]   a recording

      --attach opens the live view; --once prints one report. Exit status: 0 no deadlock, \
      3 a deadlock was found, 4 the verdict is unknown (the facts it needs were hidden: \
      permissions), 5 a hang (every thread of the Swift concurrency pool is blocked), 1 an error (no such process, permission denied, stale or unreadable \
      segment, bad arguments).
      """,
    version: deadtopVersion,
    subcommands: [
      AttachCommand.self, ImportCommand.self, ReplayCommand.self, ListCommand.self, DemoCommand.self,
      ServeCommand.self,
      ScenarioCommand.self,
    ],
    defaultSubcommand: AttachCommand.self)
}

/// `deadtop --attach PID [--once]`.
struct AttachCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attach", abstract: "Watch a process: the live view, or one report with --once.")

  @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The process to watch.", valueName: "pid"))
  var attach: Int32?

  @Flag(help: "Print one report and exit, instead of the live view.")
  var once = false

  @Flag(
    help:
      "With --once: add every thread's stack (eu-stack attaches with ptrace, pausing the process for a moment)."
  )
  var stacks = false

  @Flag(exclusivity: .exclusive) var trace: TraceMode?

  @OptionGroup var report: ReportOptions
  @OptionGroup var live: LiveViewOptions
  @OptionGroup var recording: RecordingOptions

  func validate() throws {
    if let attach, attach <= 0 {
      throw ValidationError("--attach \(attach): a process id is a positive number")
    }
    if stacks && !once && report.isText {
      throw ValidationError("--stacks works with --once (the live view never pauses the process)")
    }
  }

  func run() throws {
    guard let pid = attach else {
      throw CleanExit.helpRequest(DeadtopCommand.self)
    }
    if let trace {
      guard let source = try Attach.source(of: pid) as? SegmentSource else {
        throw CommandFailure(
          "process \(pid) does not link the Deadtop runtime: --\(trace.rawValue) reads its segment")
      }
      switch trace {
      case .schedtrace: try Trace.follow(source, historyOnly: once)
      case .events: try Trace.printEvents(source)
      case .profile: try Trace.printProfile(source)
      }
      return
    }
    if !once && report.isText,
      try LiveViewOptions.ranLiveView({
        let source = try Attach.source(of: pid)
        var options = try live.sessionOptions(longWaitSeconds: report.longWait)
        recording.apply(to: &options, command: RecordingOptions.commandLine)
        try LiveSession(target: source, options: options).run()
      })
    {
      return
    }
    let analysis =
      stacks
      ? try Attach.analysisWithStacks(of: pid)
      : try recording.recording(
        try Attach.source(of: pid), command: RecordingOptions.commandLine, intervalMilliseconds: 100
      ).confirmedAnalysis()
    Output.standardOutput(report.render(analysis))
    if analysis.exitStatus != Status.clean { throw ExitCode(analysis.exitStatus) }
  }

}

extension DeadtopCommand {
  /// ArgumentParser's own main, except that every error exits 1 as documented.
  static func runMain() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let failure as CommandFailure {
      Output.standardError("deadtop: \(failure.description)\n")
      Glibc.exit(Status.failure)
    } catch let error as AttachError {
      Output.standardError("deadtop: \(error.description)\n")
      Glibc.exit(Status.failure)
    } catch {
      let code = exitCode(for: error)
      if code == .success || [Status.deadlock, Status.unknown, Status.hang].contains(code.rawValue) {
        exit(withError: error)
      }
      // A usage error is one line too, pointing at the help instead of printing it.
      let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
      Output.standardError("deadtop: \(message) (see 'deadtop --help')\n")
      Glibc.exit(Status.failure)
    }
  }
}

enum Attach {
  /// `--stacks`: the stacks are collected between two snapshots, and the report is the
  /// second snapshot (with the stacks) confirmed by the first, like any other report.
  static func analysisWithStacks(of pid: Int32) throws -> Analysis {
    let source = try source(of: pid)
    var confirmation = DeadlockConfirmation()
    _ = confirmation.analyse(try source.snapshot())
    do {
      let stacks = try Stacks.collect(pid: pid)
      return confirmation.analyse(Stacks.attach(stacks, to: try source.snapshot())).analysis
    } catch let unavailable as Stacks.Unavailable {
      throw CommandFailure(unavailable.description)
    }
  }

  static func source(of pid: Int32) throws -> SnapshotSource {
    var attempts = 0
    while true {
      do {
        return try openSource(pid: pid)
      } catch AttachError.notReady(let path) {
        attempts += 1
        if attempts >= 20 { throw AttachError.notReady(path: path) }
        usleep(25_000)
      }
    }
  }
}

enum Output {
  /// Text goes out in ASCII where the locale is not UTF-8 (`LANG=C`), as the live view draws.
  static func standardOutput(_ text: String) { write(localeIsUTF8 ? text : text.foldedToASCII, to: 1) }
  static func standardError(_ text: String) { write(localeIsUTF8 ? text : text.foldedToASCII, to: 2) }

  /// Read once, the live view's way (the locale's character set).
  private static let localeIsUTF8 = !prepareLocale().isASCII

  private static func write(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return }
      bytes = bytes.dropFirst(written)
    }
  }
}
