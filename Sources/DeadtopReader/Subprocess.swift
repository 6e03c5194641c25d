#if canImport(Glibc)
  import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid, with no run loop in
/// between. Foundation's `Process` waits for a child through its run loop and can miss
/// the exit under load (seen here: a test run hung for an hour on a child that had
/// ended), so every process deadtop and its tests start goes through this one type.
public final class Subprocess {
  public enum Output: Sendable {
    /// Read back through a pipe (`output` / `errors`).
    case pipe
    /// Standard error goes into the standard output pipe.
    case mergedIntoOutput
    /// Shared with this process.
    case inherit
    /// /dev/null.
    case discard
  }

  public struct Failure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
  }

  public let pid: pid_t
  /// The read ends of the pipes, when the output is `.pipe` (or merged into it).
  public let output: Int32?
  public let errors: Int32?
  private var exitStatus: Int32?

  /// Starts `executable`. The child starts with no blocked signals and default handlers,
  /// whatever ours are (a test runner blocks SIGTERM), so that `terminate()` ends it.
  /// With `ownProcessGroup`, Ctrl-C in a terminal reaches only us.
  public init(
    executable: String, arguments: [String], environment: [String: String]? = nil,
    output outputMode: Output = .pipe, errors errorMode: Output = .pipe, ownProcessGroup: Bool = false
  ) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var parentEnds: [Int32] = []
    var childEnds: [Int32] = []
    func pipeTo(_ descriptor: Int32) throws -> Int32 {
      var ends: [Int32] = [0, 0]
      guard pipe(&ends) == 0 else { throw Failure("cannot create a pipe") }
      // Close-on-exec, so that a child started at the same time by another thread does
      // not inherit our ends and hold the pipe open.
      for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
      posix_spawn_file_actions_adddup2(&actions, ends[1], descriptor)
      parentEnds.append(ends[0])
      childEnds.append(ends[1])
      return ends[0]
    }
    var outputEnd: Int32?
    switch outputMode {
    case .pipe, .mergedIntoOutput: outputEnd = try pipeTo(1)
    case .inherit: break
    case .discard: posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    var errorEnd: Int32?
    switch errorMode {
    case .pipe: errorEnd = try pipeTo(2)
    case .mergedIntoOutput:
      if outputEnd != nil { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
    case .inherit: break
    case .discard: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaults = sigset_t()
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    if ownProcessGroup {
      posix_spawnattr_setpgroup(&attributes, 0)
      flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var variables: [UnsafeMutablePointer<CChar>?]?
    if let environment {
      var merged: [String: String] = [:]
      var entry = environ
      while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if let equals = text.firstIndex(of: "=") {
          merged[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        entry += 1
      }
      merged.merge(environment) { $1 }
      variables = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    }
    defer { for pointer in variables ?? [] { free(pointer) } }

    var child = pid_t()
    let result =
      variables.map { variables in
        variables.withUnsafeBufferPointer {
          posix_spawn(
            &child, executable, &actions, &attributes, argv, UnsafeMutablePointer(mutating: $0.baseAddress))
        }
      } ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
    for end in childEnds { close(end) }
    guard result == 0 else {
      for end in parentEnds { close(end) }
      throw Failure("cannot start \(executable): \(String(cString: strerror(result)))")
    }
    pid = child
    output = outputEnd
    errors = errorEnd
  }

  deinit {
    if let output { close(output) }
    if let errors { close(errors) }
  }

  /// The exit status once the child has ended (128 + signal if a signal ended it).
  public var status: Int32? {
    if exitStatus == nil {
      var raw: Int32 = 0
      if waitpid(pid, &raw, WNOHANG) == pid { exitStatus = Self.decode(raw) }
    }
    return exitStatus
  }

  /// Waits up to `milliseconds` for output and returns what arrived ("" if none or at
  /// the end).
  public func read(waitingUpTo milliseconds: Int32) -> String {
    guard let output else { return "" }
    var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, milliseconds) > 0 else { return "" }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = Glibc.read(output, &buffer, buffer.count)
    return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
  }

  /// Ends the child (TERM, then KILL after half a second) and reaps it.
  public func terminate() {
    guard status == nil else { return }
    kill(pid, SIGTERM)
    for _ in 0..<50 where status == nil { usleep(10_000) }
    kill(pid, SIGKILL)
    waitForExit()
  }

  /// Waits up to `seconds` for the child to end; its status, or nil if it still runs.
  public func waitForExit(within seconds: Double) -> Int32? {
    let deadline = Self.monotonicSeconds() + seconds
    while status == nil && Self.monotonicSeconds() < deadline { usleep(10_000) }
    return status
  }

  /// Blocks until the child has ended; returns its status.
  @discardableResult
  public func waitForExit() -> Int32 {
    while exitStatus == nil {
      var raw: Int32 = 0
      let reaped = waitpid(pid, &raw, 0)
      if reaped == pid {
        exitStatus = Self.decode(raw)
      } else if reaped < 0 && errno != EINTR {
        exitStatus = -1
      }
    }
    return exitStatus ?? -1
  }

  public struct Outcome: Sendable {
    public var status: Int32
    public var output: String
    public var errors: String
    public var timedOut: Bool
  }

  /// Runs a command to its end and returns what it printed. Past `timeout` seconds the
  /// child is killed and the outcome says so. Output held open by a grandchild after the
  /// child has ended is read for at most a moment longer.
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    timeout: Double = 60
  ) throws -> Outcome {
    let child = try Subprocess(executable: executable, arguments: arguments, environment: environment)
    var printed: [Int32: [UInt8]] = [:]
    var open = [child.output, child.errors].compactMap { $0 }
    let start = monotonicSeconds()
    var endedAt: Double?
    var timedOut = false
    while !open.isEmpty {
      let now = monotonicSeconds()
      if now - start > timeout {
        timedOut = true
        break
      }
      if endedAt == nil, child.status != nil { endedAt = now }
      if let endedAt, now - endedAt > 1 { break }
      var descriptors = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      guard poll(&descriptors, nfds_t(descriptors.count), 50) > 0 else { continue }
      for descriptor in descriptors where descriptor.revents != 0 {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = Glibc.read(descriptor.fd, &buffer, buffer.count)
        if count > 0 {
          printed[descriptor.fd, default: []] += buffer[..<count]
        } else if count == 0 || errno != EINTR {
          open.removeAll { $0 == descriptor.fd }
        }
      }
    }
    if timedOut || child.status == nil {
      // Either the deadline passed, or the output closed: give it the rest of the time.
      while !timedOut && child.status == nil {
        if monotonicSeconds() - start > timeout { timedOut = true } else { usleep(10_000) }
      }
      if timedOut { kill(child.pid, SIGKILL) }
    }
    let status = child.waitForExit()
    func text(_ descriptor: Int32?) -> String {
      descriptor.map { String(decoding: printed[$0] ?? [], as: UTF8.self) } ?? ""
    }
    return Outcome(status: status, output: text(child.output), errors: text(child.errors), timedOut: timedOut)
  }

  private static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }

  private static func decode(_ raw: Int32) -> Int32 {
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
  }
}
