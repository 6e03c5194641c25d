import DeadtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// The caps a recording keeps to.
public enum RecordingLimits {
  /// `--record FILE` stops growing here unless `--record-max-mb` says otherwise.
  public static let defaultFileBytes = 1 << 30
}

/// Records snapshots as they are taken: always into a window of the last minutes in
/// memory (the flight recorder, which the live view scrolls back through and saves when
/// a deadlock is first confirmed), and, with `--record FILE`, into that file as well,
/// frame by frame, until its cap.
public final class Recorder {
  /// How much the window keeps: the newer of its bounds wins. Frames leave a key frame's
  /// run (64 frames) at a time, so it may hold up to that many more.
  public struct Window: Sendable {
    public var seconds: Double
    public var bytes: Int
    public init(seconds: Double = 300, bytes: Int = 64 << 20) {
      self.seconds = seconds
      self.bytes = bytes
    }
  }

  private let strings = StringTable()
  private var encoder: SnapshotEncoder
  private let window: Window
  /// The window: what the live view's timeline shows.
  public private(set) var recent: Recording
  private var file: RecordingFile?
  /// Set when the file stopped growing: its cap, or a write that failed.
  public private(set) var fileStopped: String?

  public init(meta: RecordingMeta, window: Window = Window()) {
    encoder = SnapshotEncoder(strings: strings)
    self.window = window
    recent = Recording(meta: meta)
  }

  /// Also writes every frame to `path` (created or truncated) until it holds `maxBytes`.
  public func record(to path: String, maxBytes: Int) throws {
    file = try RecordingFile(creating: path, meta: recent.meta, maxBytes: maxBytes)
    encoder.startOver()  // the file's first snapshot must be whole
    if !recent.strings.isEmpty { try file?.write(.strings, Recording.stringsPayload(recent.strings)) }
  }

  public var filePath: String? { file?.path }
  public var fileBytes: Int { file?.written ?? 0 }

  public func append(_ snapshot: Snapshot) {
    let (kind, payload) = encoder.encode(snapshot)
    let newStrings = strings.takePending()
    if !newStrings.isEmpty { recent.define(newStrings) }
    recent.append(StoredFrame(kind: kind, takenAtNanoseconds: snapshot.takenAtNanoseconds, payload: payload))
    let limit = window
    recent.trimFront { recording in
      recording.byteCount > limit.bytes
        || Double(recording.time(at: recording.count - 1) &- recording.time(at: 0)) / 1e9 > limit.seconds
    }
    writeToFile(kind, payload, newStrings)
  }

  private func writeToFile(_ kind: FrameKind, _ payload: [UInt8], _ newStrings: [String]) {
    guard let current = file else { return }
    do {
      if !newStrings.isEmpty { try current.write(.strings, Recording.stringsPayload(newStrings)) }
      try current.write(kind, payload)
    } catch {
      fileStopped = "\(error)"
      current.close()
      file = nil
    }
  }

  /// A new process is watched (a demo restarted): the window starts empty, the file,
  /// if any, goes on with a key frame, so a replay shows both runs in turn.
  public func startOver() {
    let kept = recent.strings
    recent = Recording(meta: recent.meta)
    recent.define(kept)  // the table still numbers them
    encoder.startOver()
  }

  /// Ends the file (the window stays).
  public func finish() {
    file?.close()
    file = nil
  }

  /// Writes the window to a new file at `path`.
  public func saveWindow(to path: String) throws {
    try RecordingFile.write(recent.fileBytes(), to: path)
  }
}

/// A recording file being written: each frame goes out whole with one `write`, so a
/// reader (or a crash) sees whole frames and at worst a torn last one.
final class RecordingFile {
  let path: String
  private var descriptor: Int32
  private let maxBytes: Int
  private(set) var written = 0

  init(creating path: String, meta: RecordingMeta, maxBytes: Int) throws {
    self.path = path
    self.maxBytes = maxBytes
    descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw RecordingFileError(path: path, errno: errno) }
    var bytes = RecordingFormat.header
    Recording.appendFrame(.meta, meta.payload, to: &bytes)
    try put(bytes)
  }

  func write(_ kind: FrameKind, _ payload: [UInt8]) throws {
    var bytes: [UInt8] = []
    Recording.appendFrame(kind, payload, to: &bytes)
    guard written + bytes.count <= maxBytes else {
      throw RecordingCapReached(path: path, maxBytes: maxBytes)
    }
    try put(bytes)
  }

  private func put(_ bytes: [UInt8]) throws {
    var done = 0
    while done < bytes.count {
      let result = bytes[done...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
      if result < 0 && errno == EINTR { continue }
      guard result > 0 else { throw RecordingFileError(path: path, errno: errno) }
      done += result
    }
    written += bytes.count
  }

  func close() {
    if descriptor >= 0 { Glibc.close(descriptor) }
    descriptor = -1
  }

  deinit { close() }

  static func write(_ bytes: [UInt8], to path: String) throws {
    let file = try RecordingFile(creatingEmpty: path)
    defer { file.close() }
    try file.put(bytes)
  }

  private init(creatingEmpty path: String) throws {
    self.path = path
    maxBytes = .max
    descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw RecordingFileError(path: path, errno: errno) }
  }
}

public struct RecordingFileError: Error, CustomStringConvertible {
  public let path: String
  public let errno: Int32
  public var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}

public struct RecordingCapReached: Error, CustomStringConvertible {
  public let path: String
  public let maxBytes: Int
  public var description: String {
    "\(path) reached its cap of \(maxBytes >> 20) MiB: recording stopped there (--record-max-mb)"
  }
}

extension Recording {
  /// Reads a recording file.
  public init(path: String) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw RecordingReadError(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw RecordingReadError(path: path, reason: String(cString: strerror(errno))) }
      if count == 0 { break }
      bytes += chunk[..<count]
    }
    try self.init(fileBytes: bytes)
  }
}

public struct RecordingReadError: Error, CustomStringConvertible {
  public let path: String
  public let reason: String
  public var description: String { "cannot read \(path): \(reason.lowercased())" }
}
