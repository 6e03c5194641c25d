import DeadtopABI
import DeadtopCore
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// Why a process cannot be attached to. Each case reads as a sentence a user can act on.
public enum AttachError: Error, Equatable, CustomStringConvertible {
  case noSuchProcess(pid: Int32)
  case noSegment(pid: Int32, name: String)
  case permissionDenied(pid: Int32, path: String)
  case stale(pid: Int32, path: String, reason: String)
  case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
  case corrupt(path: String, reason: String)
  case notReady(path: String)

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
    case .notReady(let path):
      return "\(path) is still being created by its process; try again"
    }
  }
}

/// Reads a process's segment, mapped read-only, into snapshots: the file's lifetime and
/// the process checks; `SegmentDecoder` reads the bytes. It never writes to the segment
/// and never signals or stops the process.
public final class SegmentSource: SnapshotSource {
  public static let supportedVersion = SegmentDecoder.supportedVersion

  public let pid: Int32
  public let path: String
  private let base: UnsafeRawPointer
  private let size: Int
  private let decoder: SegmentDecoder
  private let checksProcess: Bool

  /// Attaches to the segment of a live process.
  public convenience init(pid: Int32) throws {
    let path = SegmentName.path(pid: pid)
    guard processExists(pid) else {
      if access(path, F_OK) == 0 {
        throw AttachError.stale(pid: pid, path: path, reason: Self.goneReason(pid))
      }
      throw AttachError.noSuchProcess(pid: pid)
    }
    try self.init(path: path, pid: pid, checksProcess: true)
  }

  /// Opens a segment file. With `checksProcess`, the process must be alive and be the one
  /// that created the segment (same start time).
  public init(path: String, pid expectedPID: Int32? = nil, checksProcess: Bool = false) throws {
    self.path = path
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let error = errno
      let pid = expectedPID ?? 0
      switch error {
      case EACCES, EPERM: throw AttachError.permissionDenied(pid: pid, path: path)
      case ENOENT:
        throw AttachError.noSegment(pid: pid, name: commandName(of: pid) ?? "unknown")
      default:
        throw AttachError.corrupt(path: path, reason: "cannot open: \(String(cString: strerror(error)))")
      }
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw AttachError.corrupt(path: path, reason: "cannot stat")
    }
    let fileSize = Int(status.st_size)
    guard fileSize > 0 else { throw AttachError.notReady(path: path) }
    let mapped = mmap(nil, fileSize, PROT_READ, MAP_SHARED, descriptor, 0)
    guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw AttachError.corrupt(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
    }
    base = UnsafeRawPointer(mapped)
    size = fileSize
    do {
      decoder = try SegmentDecoder(base: base, size: fileSize)
    } catch {
      munmap(mapped, fileSize)
      throw AttachError(error, path: path)
    }
    pid = decoder.pid
    self.checksProcess = checksProcess
    do {
      if let expectedPID, expectedPID != decoder.pid {
        throw AttachError.corrupt(path: path, reason: "it names process \(decoder.pid), not \(expectedPID)")
      }
      if checksProcess { try checkSameProcess() }
    } catch {
      munmap(mapped, fileSize)
      throw error
    }
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

  public static func path(for pid: Int32) -> String { SegmentName.path(pid: pid) }

  private static func goneReason(_ pid: Int32) -> String {
    "process \(pid) is gone; its segment was left behind (deadtop list --clean removes it)"
  }

  /// The process must still be the one that created the segment.
  private func checkSameProcess() throws {
    var ticks: UInt64 = 0
    guard dt_process_start_time(pid, &ticks) == 0 else {
      throw AttachError.stale(pid: pid, path: path, reason: Self.goneReason(pid))
    }
    if decoder.processStartTime != 0 && ticks != decoder.processStartTime {
      throw AttachError.stale(
        pid: pid, path: path,
        reason: "it was written by an earlier process with pid \(pid) (start times differ)")
    }
  }

  public var processName: String { decoder.processName }

  /// Copies every slot into a `Snapshot`. Throws only if the process has gone.
  public func snapshot() throws -> Snapshot {
    if checksProcess { try checkSameProcess() }
    return decoder.snapshot()
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

public func processExists(_ pid: Int32) -> Bool {
  guard pid > 0 else { return false }
  return access("/proc/\(pid)", F_OK) == 0
}

/// The command name of a process, from /proc/<pid>/comm.
public func commandName(of pid: Int32) -> String? {
  var buffer = [CChar](repeating: 0, count: 64)
  guard dt_process_name(pid, &buffer, buffer.count) == 0 else { return nil }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
