import DeadtopCore
import DeadtopReader
import DeadtopReports
import Foundation
import Testing

/// Runs the real binaries the way a user does. They are built next to the test bundle.
enum Binaries {
  static let directory: URL = {
    let candidates = [
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../.build/debug").standardized,
    ]
    return candidates.first {
      FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("deadtop").path)
    } ?? candidates[0]
  }()

  static var deadtop: URL { directory.appendingPathComponent("deadtop") }
  static var demo: URL { directory.appendingPathComponent("deadtop-demo") }
  static var corpus: URL { directory.appendingPathComponent("deadtop-corpus") }
}

struct Outcome {
  var status: Int32
  var output: String
  var error: String
}

/// Runs a command to completion (it must end by itself within a minute, or the test
/// fails) and returns what it printed.
func run(
  _ executable: URL, _ arguments: [String], as user: String? = nil, environment: [String: String] = [:]
) throws -> Outcome {
  let (path, fullArguments) =
    user.map {
      ("/usr/bin/setpriv", ["--reuid=\($0)", "--regid=\($0)", "--clear-groups", executable.path] + arguments)
    } ?? (executable.path, arguments)
  let outcome = try Subprocess.run(
    path, fullArguments, environment: environment.isEmpty ? nil : environment, timeout: 60)
  if outcome.timedOut {
    throw HarnessError(
      "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not end within 60 s; "
        + "it printed: \(outcome.output)\(outcome.errors)")
  }
  return Outcome(status: outcome.status, output: outcome.output, error: outcome.errors)
}

func deadtop(_ arguments: String...) throws -> Outcome { try run(Binaries.deadtop, arguments) }

/// A demo scenario started as its own process, as a user starts one in another terminal.
final class DemoProcess {
  let process: Subprocess
  private(set) var printed = ""
  private(set) var pid: Int32 = 0

  init(
    _ scenario: String, _ flags: [String] = [], environment: [String: String] = [:],
    runner: URL = Binaries.demo
  ) throws {
    process = try Subprocess(
      executable: runner.path, arguments: [scenario] + flags,
      environment: environment.isEmpty ? nil : environment, output: .pipe, errors: .discard)
    try waitFor("attach from another terminal")
    let line = printed.split(separator: "\n").first { $0.contains("deadtop --attach") }
    pid = Int32(line?.split(separator: " ").last ?? "") ?? 0
  }

  /// Reads the demo's output until it contains `text`, or fails after a deadline.
  func waitFor(_ text: String, within seconds: Double = 20) throws {
    let deadline = Date().addingTimeInterval(seconds)
    guard let descriptor = process.output else { throw HarnessError("the demo has no output pipe") }
    while !printed.contains(text) {
      guard Date() < deadline else {
        throw HarnessError("timed out waiting for \"\(text)\"; the demo printed: \(printed)")
      }
      var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      guard poll(&request, 1, 100) > 0 else { continue }
      var buffer = [UInt8](repeating: 0, count: 4096)
      let count = read(descriptor, &buffer, buffer.count)
      if count <= 0 { throw HarnessError("the demo ended; it printed: \(printed)") }
      printed += String(decoding: buffer[..<count], as: UTF8.self)
    }
  }

  /// Attaches with `deadtop --attach PID --once --json` until `condition` holds.
  func attachUntil(
    within seconds: Double = 20, _ condition: (Outcome) -> Bool
  ) throws -> Outcome {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      let outcome = try deadtop("--attach", "\(pid)", "--once", "--json")
      if condition(outcome) { return outcome }
      guard Date() < deadline else { return outcome }
      usleep(50_000)
    }
  }

  deinit {
    process.terminate()
    // A signal ends the demo before its exit handler can remove the segment.
    unlink(SegmentSource.path(for: pid))
  }
}

struct HarnessError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

func report(_ outcome: Outcome) throws -> JSONReport.Document {
  do {
    return try JSONDecoder().decode(JSONReport.Document.self, from: Data(outcome.output.utf8))
  } catch {
    throw HarnessError("not a JSON report (status \(outcome.status)): \(outcome.output)\(outcome.error)")
  }
}

/// A process that ignores the runtime, for attaching to; killed when the test ends.
final class Sleeper {
  let process: Subprocess
  var pid: Int32 { process.pid }

  init() throws {
    process = try Subprocess(executable: "/bin/sleep", arguments: ["30"], output: .discard, errors: .discard)
  }

  deinit { process.terminate() }
}

/// What some tests need beyond Swift, each saying why it is skipped when missing.
extension Trait where Self == ConditionTrait {
  static func needs(_ tool: String, _ what: String) -> Self {
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: tool),
      "skipped: needs \(what) (\(tool)); 'sudo scripts/setup' installs it")
  }

  static var needsTmux: Self { needs("/usr/bin/tmux", "tmux, to drive the live view") }
  static var needsCompiler: Self { needs("/usr/bin/cc", "a C compiler, to build the stuck C programs") }
  static var needsEuStack: Self { needs("/usr/bin/eu-stack", "elfutils' eu-stack, for --stacks") }
  static var needsGraphviz: Self { needs("/usr/bin/dot", "Graphviz's dot, to lay out the DOT report") }
  static var needsPrometheus: Self {
    needs("/usr/bin/prometheus", "a Prometheus server, to scrape the exporter")
  }

  /// Running deadtop as another user (nobody) needs root and setpriv.
  static var needsRootAndSetpriv: Self {
    .enabled(
      if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
      "skipped: needs root and setpriv (util-linux) to run deadtop as another user")
  }
}
