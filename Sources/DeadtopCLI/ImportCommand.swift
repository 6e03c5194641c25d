import ArgumentParser
import DeadtopCore
import DeadtopReader
import DeadtopTUI

/// `deadtop import FILE`: another tool's dump in deadtop's views and reports.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract:
      "Read a Go goroutine dump or a Java thread dump (jstack): the live view, or one report with --once.",
    discussion: """
      A Go dump: /debug/pprof/goroutine?debug=2, a SIGQUIT or panic traceback (GOTRACEBACK=all), \
      Go's "all goroutines are asleep" fatal error. A Java dump: jstack [-l] PID, jcmd PID Thread.print. \
      A Go dump names no lock's owner and no channel's users: its goroutines are grouped by where they \
      wait, and without Go's own fatal error the verdict is "unknown" (exit status 4). A Java dump \
      names the owner of every monitor and lock, so a cycle among them is a deadlock (exit status 3).
      """)

  @Argument(help: ArgumentHelp("The dump: a file, or - for standard input.", valueName: "file"))
  var file: String

  @Flag(help: "Print one report and exit, instead of the live view.")
  var once = false

  @OptionGroup var report: ReportOptions
  @OptionGroup var live: LiveViewOptions

  func run() throws {
    let source: DumpSource
    do {
      source = try DumpSource(path: file)
    } catch let error as DumpError {
      if case .notADump = error { throw CommandFailure("\(file): \(error.description)") }
      throw CommandFailure(error.description)
    }
    if !once && report.isText && file != "-",
      try LiveViewOptions.ranLiveView({
        try LiveSession(target: source, options: try live.sessionOptions(longWaitSeconds: report.longWait))
          .run()
      })
    {
      return
    }
    let analysis = Analysis(try source.snapshot())
    Output.standardOutput(report.render(analysis))
    if analysis.exitStatus != Status.clean { throw ExitCode(analysis.exitStatus) }
  }
}
