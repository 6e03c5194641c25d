import Deadtop
import DeadtopCore
import DeadtopReader
import Foundation
import Testing

/// A suite that watches this process's own segment the way deadtop watches a process.
/// Tests run in parallel in one process, so each looks only at its own tasks and locks.
protocol WatchesOwnSegment {
  var reader: SegmentSource { get }
}

/// This process's segment; the runtime's first use creates it.
func openOwnSegment() throws -> SegmentSource {
  _ = Mutex(name: "bootstrap")
  return try SegmentSource(pid: getpid())
}

extension WatchesOwnSegment {
  /// Snapshots until `condition` holds, or fails after a deadline.
  func eventually(
    _ what: String, within seconds: Double = 10, _ condition: (Analysis) -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> Analysis {
    let deadline = Date().addingTimeInterval(seconds)
    var last = Analysis(try reader.snapshot())
    while !condition(last) {
      guard Date() < deadline else {
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        return last
      }
      usleep(2000)
      last = Analysis(try reader.snapshot())
    }
    return last
  }
}
