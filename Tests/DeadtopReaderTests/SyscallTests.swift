import Testing

@testable import DeadtopReader

/// Lines of /proc/<pid>/task/<tid>/syscall as the kernel writes them.
@Suite struct SyscallTests {
  @Test func aThreadOutsideAnySystemCallHasNone() {
    #expect(Syscall("running\n") == nil)
    // A zombie, or a thread blocked in the kernel outside a system call: never "system call -1".
    #expect(Syscall("-1 0x7ffd3c8e1e38 0x7f5e4b1c9a2b\n") == nil)
  }

  @Test func sleepsAndFutexWaitsAreKnown() throws {
    let sleeping = try #require(Syscall("230 0x1 0x0 0x7ffd 0x7ffd 0x0 0x0 0x7ffd 0x7f5e\n"))
    #expect(sleeping.isSleep)
    #expect(sleeping.describe() == "in clock_nanosleep")
    let waiting = try #require(Syscall("202 0x55d0c8a0 0x80 0x2 0x0 0x0 0x0 0x7ffd 0x7f5e\n"))
    #expect(waiting.isFutexWait)
    #expect(!waiting.isSleep)
  }
}
