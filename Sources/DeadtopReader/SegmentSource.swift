import DeadtopABI
import DeadtopCore
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

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
