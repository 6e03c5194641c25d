import ArgumentParser
import DeadtopCore
import DeadtopReader
import DemoScenarios

#if canImport(Glibc)
  import Glibc
#endif

/// `deadtop demo [NAME]`: runs a scenario as a child process, attaches to it, and
/// reports what it sees.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run a classic deadlock as a child process and attach to it.",
    discussion: "Without NAME, runs 'abba'. The same scenarios run standalone with deadtop-demo.")

  @Argument(help: "The scenario (see --list).")
  var name: String = "abba"

  @Flag(help: "Run the variant that does not deadlock.")
  var fixed = false

  @Flag(help: "List the scenarios.")
  var list = false

  @Option(help: "Give up waiting for a deadlock after this many seconds.")
  var timeout: Double = 10

  @OptionGroup var report: ReportOptions

  func validate() throws {
    if !list && Scenarios.named(name) == nil {
      throw ValidationError("no scenario named '\(name)'\n\n" + ScenarioRunner.list())
    }
    if !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
  }

  func run() throws {
    if list {
      Output.standardOutput(ScenarioRunner.list() + "\n")
      return
    }
    let scenario = Scenarios.named(name)!
    var arguments = ["scenario", scenario.name, "--stay"]
    if fixed { arguments.append("--fixed") }
    let child = try ChildProcess(executable: currentExecutable(), arguments: arguments)
    defer { child.terminate() }
    let reportsToTerminal = report.format == .text
    var source: SegmentSource?
    var output = ""
    var last: Analysis?
    let deadline = monotonicSeconds() + timeout
    while true {
      let arrived = child.read(waitingUpTo: 50)
      output += arrived
      if reportsToTerminal { Output.standardOutput(arrived) }
      if let status = child.status {
        if scenario.endsInFatalError && !fixed && status == 2 {
          Output.standardOutput(
            "\nThe scenario stopped with a fatal error (exit status 2), as Go's runtime would.\n")
          return
        }
        if let last { Output.standardOutput(report.render(last)) }
        throw CommandFailure("the scenario ended with status \(status)")
      }
      if source == nil { source = try? SegmentSource(pid: child.pid) }
      if let source {
        let analysis = try source.confirmedAnalysis()
        last = analysis
        if !analysis.deadlocks.isEmpty {
          if reportsToTerminal { Output.standardOutput("\n") }
          Output.standardOutput(report.render(analysis))
          throw ExitCode(Status.deadlock)
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

func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// This binary's path: the demo child runs it again, so that it shows as `deadtop`.
func currentExecutable() -> String {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  guard count > 0 else { return "/proc/self/exe" }
  return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
