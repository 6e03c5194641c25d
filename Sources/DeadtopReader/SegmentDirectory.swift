import DeadtopCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The segments published on this machine: `/dev/shm/deadtop.<pid>`.
public enum SegmentDirectory {
  public struct Entry: Sendable, Equatable {
    public var pid: Int32
    public var path: String
  }

  public static func entries(in directory: String = SegmentSource.directory) -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.compactMap { name -> Entry? in
      guard name.hasPrefix("deadtop."), let pid = Int32(name.dropFirst("deadtop.".count)), pid > 0
      else { return nil }
      return Entry(pid: pid, path: "\(directory)/\(name)")
    }.sorted { $0.pid < $1.pid }
  }
}

extension SegmentSource: SnapshotSource {}
extension ProcSource: SnapshotSource {}

/// The segment if the process publishes one, else /proc.
public func openSource(pid: Int32) throws -> SnapshotSource {
  do {
    return try SegmentSource(pid: pid)
  } catch AttachError.noSegment {
    return try ProcSource(pid: pid)
  }
}

extension SnapshotSource {
  /// Analyses two snapshots a moment apart and keeps the deadlocks present in both with
  /// the same wait episodes, so a picture torn across slots is never reported.
  public func confirmedAnalysis(delayMilliseconds: Int = 100) throws -> Analysis {
    let first = try snapshot()
    let firstAnalysis = Analysis(first)
    guard !firstAnalysis.deadlocks.isEmpty else { return firstAnalysis }
    usleep(useconds_t(delayMilliseconds * 1000))
    return Analysis(try snapshot()).confirmed(by: first)
  }
}
