import DeadtopSegment

/// Why a process cannot be attached to. Each case reads as a sentence a user can act on.
public enum AttachError: Error, Equatable, CustomStringConvertible {
  case noSuchProcess(pid: Int32)
  case noSegment(pid: Int32, name: String)
  case permissionDenied(pid: Int32, path: String)
  case stale(pid: Int32, path: String, reason: String)
  case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
  case corrupt(path: String, reason: String)
  case notReady(path: String)
  case shrank(path: String, from: Int, to: Int)

  public var description: String {
    switch self {
    case .noSuchProcess(let pid):
      return "no such process: \(pid)"
    case .noSegment(let pid, let name):
      return
        "process \(pid) (\(name)) publishes no deadtop segment (\(SegmentName.path(pid: pid))): "
        + "it does not link the Deadtop runtime, or has not used it yet"
    case .permissionDenied(let pid, let path):
      return
        "permission denied reading \(path): the segment is private to its owner (mode 0600); "
        + "run deadtop as the user that runs process \(pid), or as root"
    case .stale(_, let path, let reason):
      return "stale segment \(path): \(reason)"
    case .unsupportedVersion(let path, let found, let supported):
      return
        "\(path) uses segment ABI version \(found); this deadtop reads versions 1 to "
        + "\(supported): upgrade deadtop"
    case .corrupt(let path, let reason):
      return "corrupt segment \(path): \(reason)"
    case .shrank(let path, let from, let to):
      return
        "\(path) shrank from \(from) to \(to) bytes (the file was truncated), so it can no longer be read"
    case .notReady(let path):
      return "\(path) is still being created by its process; try again"
    }
  }
}

extension AttachError {
  /// A decoder's finding about the bytes, said of the file they came from.
  init(_ error: SegmentError, path: String) {
    switch error {
    case .notReady: self = .notReady(path: path)
    case .corrupt(let reason): self = .corrupt(path: path, reason: reason)
    case .unsupportedVersion(let found, let supported):
      self = .unsupportedVersion(path: path, found: found, supported: supported)
    }
  }
}
