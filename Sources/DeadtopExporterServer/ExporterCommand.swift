import ArgumentParser
import DeadtopCore
import DeadtopExporter
import Foundation
import NIOCore
import Synchronization

/// `deadtop-exporter` (what `deadtop serve` runs): watches every process on the host that
/// publishes a segment, and the pids and names given with `--watch`, and serves them
/// to Prometheus and to tools over HTTP. It reads as `--once` does: it never stops,
/// slows or writes to a process it watches.
@main
struct ExporterMain {
  /// ArgumentParser's main, except that every error is one line and exit status 1, as
  /// for deadtop itself.
  static func main() {
    do {
      var command = try ExporterCommand.parseAsRoot()
      try command.run()
    } catch {
      let code = ExporterCommand.exitCode(for: error)
      if code == .success { ExporterCommand.exit(withError: error) }
      let message =
        ExporterCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      let line = Array("deadtop-exporter: \(message)\n".utf8)
      line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
      Foundation.exit(1)
    }
  }
}

struct ExporterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "deadtop-exporter",
    abstract: "Serve every watched process's deadlocks and waits as Prometheus metrics and JSON reports.",
    discussion: """
      Pages: /metrics (Prometheus), /processes (JSON), /processes/PID/report (the \\
      --once --json report), /healthz. It listens on loopback unless --allow-remote is \\
      given, and shows only what deadtop --once would show the same user.
      """,
    version: deadtopVersion)

  @Option(help: "The address to listen on, HOST:PORT (port 0 picks a free one and prints it).")
  var listen = "127.0.0.1:9465"

  @Flag(help: "Allow an address beyond loopback (anyone who can reach it sees the reports).")
  var allowRemote = false

  @Option(help: "Also watch this pid or process name through /proc (repeatable).")
  var watch: [String] = []

  @Option(help: "Milliseconds between refreshes.")
  var interval = 1000

  @Option(help: "Seconds after which a wait counts as long in the reports.")
  var longWait: Double = 10

  func validate() throws {
    guard let address = ListenAddress(listen) else {
      throw ValidationError("--listen needs HOST:PORT, got '\(listen)'")
    }
    if !address.isLoopback && !allowRemote {
      throw ValidationError(
        "\(address.host) is not a loopback address: add --allow-remote to serve beyond this machine")
    }
    if interval <= 0 { throw ValidationError("--interval must be a positive number of milliseconds") }
    if !(longWait > 0) { throw ValidationError("--long-wait must be a positive number of seconds") }
  }

  func run() throws {
    let address = ListenAddress(listen)!
    let views = ViewBox()
    let pids = watch.compactMap { Int32($0) }
    let names = watch.filter { Int32($0) == nil }
    let interval = Double(interval) / 1000
    // The first refresh happens before the first request is served.
    let ready = DispatchSemaphore(value: 0)
    Thread {
      let fleet = Fleet(watchingPids: pids, names: names)
      let metrics = FleetMetrics()
      var first = true
      while true {
        let start = Date()
        fleet.refresh()
        metrics.update(from: fleet, refreshSeconds: Date().timeIntervalSince(start))
        views.set(FleetView(fleet: fleet, metrics: metrics.exposition()))
        if first {
          ready.signal()
          first = false
        }
        let rest = interval - Date().timeIntervalSince(start)
        if rest > 0 { Thread.sleep(forTimeInterval: rest) }
      }
    }.start()
    ready.wait()
    do {
      try HTTPServer.run(address: address, views: views, longWaitSeconds: longWait)
    } catch {
      let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
      throw ValidationError("cannot listen on \(listen): \(reason)")
    }
  }
}

/// The current view, shared by the refresh thread and the requests.
final class ViewBox: Sendable {
  private let view = Mutex(FleetView.empty)
  var current: FleetView { view.withLock { $0 } }
  func set(_ new: FleetView) { view.withLock { $0 = new } }
}

/// `127.0.0.1:9465`, `[::1]:9465`, `localhost:9465`.
struct ListenAddress {
  let host: String
  let port: Int

  init?(_ text: String) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (0...65535).contains(port)
    else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { return nil }
    self.host = host
    self.port = port
  }

  var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}
