import CFatalSignals
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
  /// Kept open to notice the file shrinking before reading past its end.
  private let descriptor: Int32
  private let decoder: SegmentDecoder
  private let checksProcess: Bool
  /// Set once the file shrank: the mapping past its end reads as zeros from then on.
  private var shrank: AttachError?

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
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      close(descriptor)
      throw AttachError.corrupt(path: path, reason: "cannot stat")
    }
    let fileSize = Int(status.st_size)
    guard fileSize > 0 else {
      close(descriptor)
      throw AttachError.notReady(path: path)
    }
    let mapped = mmap(nil, fileSize, PROT_READ, MAP_SHARED, descriptor, 0)
    guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
      close(descriptor)
      throw AttachError.corrupt(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
    }
    base = UnsafeRawPointer(mapped)
    size = fileSize
    self.descriptor = descriptor
    // A truncation between the size check and a read faults; the handler turns the page
    // into zeros and counts it, and the snapshot is then discarded.
    dtf_watch_mapping(base, fileSize)
    do throws(SegmentError) {
      decoder = try SegmentDecoder(base: base, size: fileSize)
      if dtf_mapping_faults(base) > 0 { throw SegmentError.corrupt("the file shrank while being read") }
    } catch {
      dtf_unwatch_mapping(base)
      munmap(mapped, fileSize)
      close(descriptor)
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
      dtf_unwatch_mapping(base)
      munmap(mapped, fileSize)
      close(descriptor)
      throw error
    }
  }

  deinit {
    dtf_unwatch_mapping(base)
    munmap(UnsafeMutableRawPointer(mutating: base), size)
    close(descriptor)
  }

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
    // A writer that could not read its start time: a segment made before the process
    // started was left by an earlier one (a second's slack for the clock tick).
    if decoder.processStartTime == 0, let started = Self.wallClockSeconds(ofStartTicks: ticks),
      Double(decoder.createdRealtimeNanoseconds) / 1e9 + 1 < started
    {
      throw AttachError.stale(
        pid: pid, path: path,
        reason: "it was written before process \(pid) started, by an earlier process with its pid")
    }
  }

  public var processName: String { decoder.processName }

  /// A process's start (field 22 of its stat, in clock ticks after boot) as seconds of
  /// the wall clock: the boot time from /proc/stat plus the ticks.
  static func wallClockSeconds(ofStartTicks ticks: UInt64) -> Double? {
    guard let stat = readWholeText("/proc/stat"),
      let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
      let boot = Double(line.dropFirst("btime ".count))
    else { return nil }
    let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
    return hertz > 0 ? boot + Double(ticks) / hertz : nil
  }

  /// Copies every slot into a `Snapshot`. Throws if the process has gone, or if the
  /// file shrank (then every later call throws too: what is mapped is no longer it).
  public func snapshot() throws -> Snapshot {
    if let shrank { throw shrank }
    if checksProcess { try checkSameProcess() }
    var status = stat()
    if fstat(descriptor, &status) == 0, Int(status.st_size) < size {
      return try stop(.shrank(path: path, from: size, to: Int(status.st_size)))
    }
    let snapshot = decoder.snapshot()
    if dtf_mapping_faults(base) > 0 {
      fstat(descriptor, &status)
      return try stop(.shrank(path: path, from: size, to: Int(status.st_size)))
    }
    return snapshot
  }

  private func stop(_ error: AttachError) throws -> Snapshot {
    shrank = error
    throw error
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
