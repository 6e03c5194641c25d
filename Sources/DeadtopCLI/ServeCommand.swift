import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// `deadtop serve`: runs the exporter (`deadtop-exporter`, beside this binary), which
/// keeps deadtop itself free of an HTTP server.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve every watched process as Prometheus metrics and JSON reports (runs deadtop-exporter).",
    discussion: """
      deadtop serve [--listen HOST:PORT] [--allow-remote] [--watch PID|NAME ...] [--interval MS]
      Pages: /metrics, /processes, /processes/PID/report, /healthz. Listens on \\
      127.0.0.1:9465 by default. See deadtop-exporter --help.
      """)

  @Argument(parsing: .captureForPassthrough, help: "Options for deadtop-exporter.")
  var arguments: [String] = []

  func run() throws {
    let exporter = besideThisBinary("deadtop-exporter")
    guard access(exporter, X_OK) == 0 else {
      throw CommandFailure(
        "deadtop serve needs deadtop-exporter beside deadtop (\(exporter)): build it with "
          + "'swift build --product deadtop-exporter', or install with scripts/install")
    }
    // The exporter takes this process's place: signals and the exit status are its own.
    let argv = ([exporter] + arguments).map { strdup($0) } + [nil]
    execv(exporter, argv)
    throw CommandFailure("cannot run \(exporter): \(String(cString: strerror(errno)))")
  }
}
