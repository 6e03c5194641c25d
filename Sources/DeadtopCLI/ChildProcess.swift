#if canImport(Glibc)
  import Glibc
#endif

/// A child process whose standard output comes back through a pipe: the demo scenario
/// that `deadtop demo` starts and attaches to.
final class ChildProcess {
  let pid: pid_t
  private let output: Int32
  private var exitStatus: Int32?

  /// With `capturesErrors`, standard error comes back through the same pipe (the live
  /// view owns the terminal); otherwise it is shared with deadtop's.
  init(executable: String, arguments: [String], capturesErrors: Bool = false) throws {
    var pipeEnds: [Int32] = [0, 0]
    guard pipe(&pipeEnds) == 0 else { throw CommandFailure("cannot create a pipe") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
    if capturesErrors { posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2) }
    posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
    // The child starts with no blocked signals and default handlers, whatever ours are,
    // so that terminate() can end it; in its own process group, so that Ctrl-C reaches
    // deadtop, which then ends the child itself.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGTERM)
    sigaddset(&defaults, SIGINT)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var child = pid_t()
    let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
    close(pipeEnds[1])
    guard result == 0 else {
      close(pipeEnds[0])
      throw CommandFailure("cannot start \(executable): \(String(cString: strerror(result)))")
    }
    pid = child
    output = pipeEnds[0]
  }

  deinit { close(output) }

  /// A demo scenario run by this same binary (`deadtop scenario NAME --stay`), kept alive
  /// after a fixed variant finishes so that it can still be read.
  static func scenario(_ name: String, fixed: Bool, capturesErrors: Bool) throws -> ChildProcess {
    try ChildProcess(
      executable: currentExecutable(), arguments: ["scenario", name, "--stay"] + (fixed ? ["--fixed"] : []),
      capturesErrors: capturesErrors)
  }

  /// Waits up to `milliseconds` for output and returns what arrived ("" if none).
  func read(waitingUpTo milliseconds: Int32) -> String {
    var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, milliseconds) > 0 else { return "" }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = Glibc.read(output, &buffer, buffer.count)
    return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
  }

  /// The exit status once the child has ended (128 + signal if a signal ended it).
  var status: Int32? {
    if exitStatus == nil {
      var raw: Int32 = 0
      if waitpid(pid, &raw, WNOHANG) == pid { exitStatus = Self.decode(raw) }
    }
    return exitStatus
  }

  /// Ends the child (TERM, then KILL), reaps it, and removes the segment it could not
  /// remove itself because a signal ended it.
  func terminate() {
    if status == nil {
      kill(pid, SIGTERM)
      for _ in 0..<50 where status == nil { usleep(10_000) }
      if status == nil {
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        if waitpid(pid, &raw, 0) == pid { exitStatus = Self.decode(raw) }
      }
    }
    unlink("/dev/shm/deadtop.\(pid)")
  }

  private static func decode(_ raw: Int32) -> Int32 {
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
  }
}
