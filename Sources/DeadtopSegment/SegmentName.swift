/// Where a process's segment lives: the one place that spells the name.
public enum SegmentName {
  /// Where `shm_open` objects appear as files on Linux.
  public static let directory = "/dev/shm"
  static let filePrefix = "deadtop."

  /// The name for `shm_open`: `/deadtop.<pid>`.
  public static func shmName(pid: Int32) -> String { "/\(filePrefix)\(pid)" }

  /// The file a reader opens: `/dev/shm/deadtop.<pid>`.
  public static func path(pid: Int32, directory: String = directory) -> String {
    "\(directory)/\(filePrefix)\(pid)"
  }

  /// Every segment's path, as a shell pattern (for messages).
  public static var pattern: String { "\(directory)/\(filePrefix)*" }

  /// The pid a segment file's name carries, or nil for any other file.
  public static func pid(fileName: String) -> Int32? {
    guard fileName.hasPrefix(filePrefix), let pid = Int32(fileName.dropFirst(filePrefix.count)), pid > 0
    else { return nil }
    return pid
  }
}
