import DeadtopABI

#if canImport(Glibc)
  import Glibc
#endif

// The small facts ProcSource reads off /proc: a timed wait's end, kernel states,
// clock ticks, and what to say when a file cannot be read.
extension ProcSource {
  /// When a futex wait with a timeout ends, on the monotonic clock; nil for a wait without
  /// one. FUTEX_WAIT's timeout is relative (counted from when the wait was first seen, so
  /// at most that late); the others' are absolute, on CLOCK_REALTIME when the operation
  /// says so (FUTEX_LOCK_PI always).
  static func deadline(of syscall: Syscall, since: UInt64, memory: ProcessMemory?) -> UInt64? {
    let pointer = syscall.arguments[3]
    guard pointer != 0 else { return nil }
    let command = syscall.arguments[1] & 127
    let timeout = memory?.uint64s(at: pointer, count: 2).map { $0[0] &* 1_000_000_000 &+ $0[1] }
    if command == 0 { return since &+ (timeout ?? 0) }
    guard let timeout else { return since }
    let realtime = command == 6 || syscall.arguments[1] & 256 != 0
    guard realtime else { return timeout }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let wall = UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    let monotonic = dt_monotonic_ns()
    return timeout > wall ? monotonic &+ (timeout - wall) : monotonic
  }

  static func kernelState(_ code: Character) -> String {
    switch code {
    case "R": "running"
    case "S": "sleeping"
    case "D": "disk wait"
    case "T", "t": "stopped"
    case "Z": "zombie"
    case "X": "dead"
    case "I": "idle"
    default: "state \(code)"
    }
  }

  static func startedAt(ticks: UInt64) -> UInt64 {
    let hertz = UInt64(sysconf(Int32(_SC_CLK_TCK)))
    return hertz > 0 ? ticks * (1_000_000_000 / hertz) : 0
  }

  static func memoryProblem(_ pid: Int32) -> String {
    "cannot read /proc/\(pid)/mem, so lock owners are unknown: run deadtop as root, or as the same user "
      + "with ptrace allowed (kernel.yama.ptrace_scope = 0, or CAP_SYS_PTRACE)"
  }

  static func syscallProblem(_ pid: Int32) -> String {
    "cannot read /proc/\(pid)/task/*/syscall, so waits are unknown: run deadtop as root, or as the same "
      + "user with ptrace allowed (kernel.yama.ptrace_scope = 0, or CAP_SYS_PTRACE)"
  }
}
