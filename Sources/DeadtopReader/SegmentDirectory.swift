import DeadtopCore
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// The segments published on this machine: `/dev/shm/deadtop.<pid>`.
public enum SegmentDirectory {
  public struct Entry: Sendable, Equatable {
    public var pid: Int32
    public var path: String
  }

  public static func entries(in directory: String = SegmentName.directory) -> [Entry] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var entries: [Entry] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
      }
      if let pid = SegmentName.pid(fileName: name) {
        entries.append(Entry(pid: pid, path: "\(directory)/\(name)"))
      }
    }
    return entries.sorted { $0.pid < $1.pid }
  }
}

/// The segment if the process publishes one, else /proc.
public func openSource(pid: Int32) throws -> SnapshotSource {
  do {
    return try SegmentSource(pid: pid)
  } catch AttachError.noSegment {
    return try ProcSource(pid: pid)
  }
}

extension SnapshotSource {
  /// One confirmed analysis: a second snapshot `delayMilliseconds` later is taken only to
  /// confirm what the first one found (DeadlockConfirmation's policy).
  public func confirmedAnalysis(delayMilliseconds: Int = 100) throws -> Analysis {
    try DeadlockConfirmation.analyse(
      reading: snapshot, pause: { usleep(useconds_t(delayMilliseconds * 1000)) })
  }
}
