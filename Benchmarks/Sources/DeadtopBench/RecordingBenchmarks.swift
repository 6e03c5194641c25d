import Deadtop
import DeadtopCore
import DeadtopReader
import DeadtopRecording
import DeadtopTUI
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

extension BenchmarkSuite {
  /// Ten minutes of a 1,000-task process at the default 500 ms: what recording costs
  /// per frame against what the live view already spends on it (analysis and the tasks
  /// view), and how big the file grows against its cap.
  static func recording() {
    print("Recording (1,000 tasks, 1,200 frames = 10 minutes at 500 ms, with churn)")
    let frames = churningSnapshots(tasks: 1_000, frames: 1_200)
    let path = NSTemporaryDirectory() + "deadtop-bench-\(getpid()).dtrec"
    defer { unlink(path) }

    var fileBytes = 0
    let encodeAll = nanosecondsPerOperation(frames.count) {
      let recorder = Recorder(
        meta: RecordingMeta(
          wallClockNanoseconds: 0, monotonicNanoseconds: 0, intervalMilliseconds: 500, command: "bench"))
      try? recorder.record(to: path, maxBytes: RecordingLimits.defaultFileBytes)
      for snapshot in frames { recorder.append(snapshot) }
      fileBytes = recorder.fileBytes
      recorder.finish()
    }
    // The live view's own cost per refresh on a real 1,000-task process (this one): read
    // the segment, analyse, draw the tasks view.
    let gate = Deadtop.Mutex(name: "gate")
    gate.lock()
    let parked = (0..<1_000).map { index in spawn("parked-\(index)") { gate.withLock {} } }
    usleep(300_000)
    defer {
      gate.unlock()
      for task in parked { task.join() }
    }
    guard let source = try? SegmentSource(pid: getpid()) else {
      print("  cannot open this process's segment\n")
      return
    }
    let state = AppState()
    var confirmation = DeadlockConfirmation()
    var liveTasks = 0
    let liveFrame = nanosecondsPerOperation(1) {
      guard let snapshot = try? source.snapshot() else { return }
      liveTasks = snapshot.tasks.count
      let frame = Frame(analysis: confirmation.analyse(snapshot).analysis)
      blackHole(Renderer.render(state, frame, width: 120, height: 40).cells.count)
    }
    let replay = (try? Recording(path: path)) ?? nil
    var seek = 0.0
    if let replay {
      let targets = stride(from: 31, to: replay.count, by: 97).map { $0 }
      seek = nanosecondsPerOperation(targets.count) {
        for index in targets { blackHole(try? replay.snapshot(at: index).tasks.count) }
      }
    }
    print(
      "  record one frame (encode + write): \(milliseconds(encodeAll)); the live view's refresh of "
        + "\(liveTasks) tasks (read the segment, analyse, draw): \(milliseconds(liveFrame)); recording adds "
        + "\(format(encodeAll / liveFrame * 100, digits: 1))% (target < 10%)")
    print(
      "  file: \(format(Double(fileBytes) / 1_048_576, digits: 2)) MiB for 10 minutes "
        + "(\(fileBytes / frames.count) bytes a frame), \(format(Double(fileBytes) / Double(RecordingLimits.defaultFileBytes) * 100, digits: 2))% of the 1 GiB cap"
    )
    print("  replay: seek to a frame and decode it: \(milliseconds(seek))\n")
  }

  /// The lock snapshot, evolving: each frame some tasks block or run, a few end and new
  /// ones start, names stay, and the event ring slides.
  static func churningSnapshots(tasks: Int, frames: Int) -> [Snapshot] {
    var current = syntheticSnapshot(tasks: tasks)
    var next = UInt64(tasks + 1)
    var result: [Snapshot] = []
    result.reserveCapacity(frames)
    for frame in 0..<frames {
      current.takenAtNanoseconds += 500_000_000
      // 2% of the tasks change state.
      for step in 0..<(tasks / 50) {
        let index = (frame * 37 + step * 53) % current.tasks.count
        if current.tasks[index].wait == nil {
          current.tasks[index].state = .blocked
          current.tasks[index].wait = Wait(
            kind: .mutex, target: .resource(current.tasks[index].id), sequence: UInt64(frame))
        } else {
          current.tasks[index].state = .running
          current.tasks[index].wait = nil
        }
      }
      // Five end, five start.
      current.tasks.removeFirst(5)
      for _ in 0..<5 {
        current.tasks.append(TaskInfo(id: next, name: "worker-\(next % 64)", state: .running))
        next += 1
      }
      current.events.removeFirst(min(current.events.count, 20))
      for event in 0..<20 {
        current.events.append(
          Event(kind: .block, timeNanoseconds: current.takenAtNanoseconds + UInt64(event), task: next - 1))
      }
      current.counters.acquisitions += 1000
      current.heartbeat += 1
      result.append(current)
    }
    return result
  }
}
