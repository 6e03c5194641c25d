import DeadtopABI
import DeadtopReader
import Foundation
import Testing

@Suite struct AttachErrorTests {
  @Test func aMissingProcessIsNamed() {
    #expect(throws: AttachError.noSuchProcess(pid: Int32.max)) {
      try SegmentSource(pid: Int32.max)
    }
  }

  @Test func aProcessWithoutTheRuntimeHasNoSegment() throws {
    let sleeper = try Subprocess(
      executable: "/bin/sleep", arguments: ["30"], output: .discard, errors: .discard)
    defer { sleeper.terminate() }
    // Until the child has exec'd, /proc shows the test runner's name.
    for _ in 0..<200 {
      let comm = (try? String(contentsOfFile: "/proc/\(sleeper.pid)/comm", encoding: .utf8)) ?? ""
      if comm.hasPrefix("sleep") { break }
      usleep(10_000)
    }
    let error = #expect(throws: AttachError.self) { try SegmentSource(pid: sleeper.pid) }
    #expect(error?.description.contains("publishes no deadtop segment") == true)
    #expect(error?.description.contains("(sleep)") == true)
  }

  @Test func aSegmentOfAnEarlierProcessWithTheSamePidIsStale() throws {
    let sleeper = try Subprocess(
      executable: "/bin/sleep", arguments: ["30"], output: .discard, errors: .discard)
    defer { sleeper.terminate() }
    let pid = sleeper.pid
    var image = SegmentImage(pid: pid)
    image.header { $0.start_time = 1 }  // not this process's start time
    let path = SegmentSource.path(for: pid)
    try Data(image.bytes).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let error = #expect(throws: AttachError.self) { try SegmentSource(pid: pid) }
    guard case .stale? = error else {
      Issue.record("expected stale, got \(String(describing: error))")
      return
    }
    #expect(error?.description.contains("earlier process") == true)
  }

  @Test func aSegmentWithoutAStartTimeIsCheckedByWhenItWasMade() throws {
    let sleeper = try Subprocess(
      executable: "/bin/sleep", arguments: ["30"], output: .discard, errors: .discard)
    defer { sleeper.terminate() }
    let pid = sleeper.pid
    let path = SegmentSource.path(for: pid)
    defer { unlink(path) }
    // Made long before the process started (its writer could not read its start time).
    var old = SegmentImage(pid: pid)
    old.header {
      $0.start_time = 0
      $0.clock_base_realtime_ns = 1_000_000_000
    }
    try Data(old.bytes).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: AttachError.self) { try SegmentSource(pid: pid) }
    #expect(error?.description.contains("written before process \(pid) started") == true)
    // Made now, after the process started: trusted.
    var fresh = SegmentImage(pid: pid)
    fresh.header {
      $0.start_time = 0
      $0.clock_base_realtime_ns = UInt64(Date().timeIntervalSince1970 * 1e9)
    }
    try Data(fresh.bytes).write(to: URL(fileURLWithPath: path))
    #expect(throws: Never.self) { try SegmentSource(pid: pid) }
  }

  @Test func aSegmentLeftByAGoneProcessIsStale() throws {
    let finished = try Subprocess(executable: "/bin/true", arguments: [], output: .discard, errors: .discard)
    finished.waitForExit()
    let pid = finished.pid
    let path = SegmentSource.path(for: pid)
    try Data(SegmentImage(pid: pid).bytes).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let error = #expect(throws: AttachError.self) { try SegmentSource(pid: pid) }
    #expect(error?.description.contains("is gone") == true)
    #expect(SegmentDirectory.entries().contains { $0.pid == pid })
  }
}
