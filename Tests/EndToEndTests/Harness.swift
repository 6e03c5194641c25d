import DeadtopCore
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
}

struct Outcome {
  var status: Int32
  var output: String
  var error: String
}

/// Runs a command to completion (it must end by itself) and returns what it printed.
func run(
  _ executable: URL, _ arguments: [String], as user: String? = nil, environment: [String: String] = [:]
) throws -> Outcome {
  let process = Process()
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  if let user {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    process.arguments =
      ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", executable.path] + arguments
  } else {
    process.executableURL = executable
    process.arguments = arguments
  }
  let output = Pipe()
  let error = Pipe()
  process.standardOutput = output
  process.standardError = error
  try process.run()
  // Read both pipes to the end before waiting, so a large report cannot fill a pipe.
  let errorReader = Thread.detachNewReader(error)
  let printed = output.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return Outcome(
    status: process.terminationStatus, output: String(decoding: printed, as: UTF8.self),
    error: errorReader.wait())
}

func deadtop(_ arguments: String...) throws -> Outcome { try run(Binaries.deadtop, arguments) }

extension Thread {
  final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    func finish(_ data: Data) {
      self.data = data
      done.signal()
    }
    func wait() -> String {
      done.wait()
      return String(decoding: data, as: UTF8.self)
    }
  }

  static func detachNewReader(_ pipe: Pipe) -> PipeReader {
    let reader = PipeReader()
    let handle = pipe.fileHandleForReading
    Thread.detachNewThread { reader.finish(handle.readDataToEndOfFile()) }
    return reader
  }
}

/// A demo scenario started as its own process, as a user starts one in another terminal.
final class DemoProcess {
  let process = Process()
  private let output = Pipe()
  private(set) var printed = ""
  private(set) var pid: Int32 = 0

  init(_ scenario: String, _ flags: [String] = [], environment: [String: String] = [:]) throws {
    process.executableURL = Binaries.demo
    process.arguments = [scenario] + flags
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    try waitFor("attach from another terminal")
    let line = printed.split(separator: "\n").first { $0.contains("deadtop --attach") }
    pid = Int32(line?.split(separator: " ").last ?? "") ?? 0
  }

  /// Reads the demo's output until it contains `text`, or fails after a deadline.
  func waitFor(_ text: String, within seconds: Double = 20) throws {
    let deadline = Date().addingTimeInterval(seconds)
    let descriptor = output.fileHandleForReading.fileDescriptor
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
    // SIGKILL: a child of the test runner inherits its blocked signals, SIGTERM among them.
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    // A signal ends the demo before its exit handler can remove the segment.
    unlink("/dev/shm/deadtop.\(pid)")
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
  let process: Process
  var pid: Int32 { process.processIdentifier }

  init() throws {
    process = try Process.run(URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
  }

  deinit {
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
