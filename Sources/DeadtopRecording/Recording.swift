import DeadtopCore

/// The recording format's constants (docs/RECORDING.md).
public enum RecordingFormat {
  /// Bumped when a reader of the old format could misread the new one.
  public static let version: UInt16 = 1
  static let magic: [UInt8] = Array("DTREC\n".utf8)
  static var header: [UInt8] { magic + [UInt8(version & 0xff), UInt8(version >> 8)] }
  /// The file suffix deadtop gives the recordings it saves.
  public static let fileExtension = "dtrec"
}

/// What a recording is of, written once at its start.
public struct RecordingMeta: Sendable, Equatable {
  public var deadtopVersion: String
  /// The wall clock (ns since 1970) at `monotonicNanoseconds`, to show frames' times of day.
  public var wallClockNanoseconds: UInt64
  public var monotonicNanoseconds: UInt64
  /// The refresh interval it was recorded at.
  public var intervalMilliseconds: Int
  /// What was recorded, in the user's words: `deadtop --attach 4242`.
  public var command: String

  public init(
    deadtopVersion: String = DeadtopCore.deadtopVersion, wallClockNanoseconds: UInt64,
    monotonicNanoseconds: UInt64,
    intervalMilliseconds: Int, command: String
  ) {
    self.deadtopVersion = deadtopVersion
    self.wallClockNanoseconds = wallClockNanoseconds
    self.monotonicNanoseconds = monotonicNanoseconds
    self.intervalMilliseconds = intervalMilliseconds
    self.command = command
  }

  var payload: [UInt8] {
    var out = ByteWriter()
    out.inlineString(deadtopVersion)
    out.fixed64(wallClockNanoseconds)
    out.fixed64(monotonicNanoseconds)
    out.varint(intervalMilliseconds)
    out.inlineString(command)
    return out.bytes
  }

  init(payload: [UInt8]) throws {
    var input = ByteReader(payload)
    deadtopVersion = try input.inlineString()
    wallClockNanoseconds = try input.fixed64()
    monotonicNanoseconds = try input.fixed64()
    intervalMilliseconds = try input.signed()
    command = try input.inlineString()
  }

  /// The wall-clock time of a moment on the process's monotonic clock.
  public func wallClockNanoseconds(at monotonic: UInt64) -> UInt64 {
    monotonic >= monotonicNanoseconds
      ? wallClockNanoseconds &+ (monotonic - monotonicNanoseconds)
      : wallClockNanoseconds &- min(wallClockNanoseconds, monotonicNanoseconds - monotonic)
  }
}

/// One snapshot frame, encoded.
struct StoredFrame: Sendable {
  var kind: FrameKind
  var takenAtNanoseconds: UInt64
  var payload: [UInt8]
}

/// Snapshots over time, as encoded frames: a file read back, or the live view's last
/// minutes. Decoding a frame starts from the key frame at or before it.
public struct Recording: Sendable {
  public internal(set) var meta: RecordingMeta
  var strings: [String] = []
  var frames: [StoredFrame] = []
  /// Set when reading stopped at damage: what was wrong, and where.
  public internal(set) var damage: String?

  init(meta: RecordingMeta) { self.meta = meta }

  public var count: Int { frames.count }
  public var isEmpty: Bool { frames.isEmpty }
  /// The bytes its frames take (what the memory and file caps count).
  public internal(set) var byteCount = 0

  /// When frame `index` was taken, on the process's monotonic clock.
  public func time(at index: Int) -> UInt64 { frames[index].takenAtNanoseconds }

  /// The first frame where a deadlock, a hang or a leak was confirmed (by the frame
  /// before it, as the live view confirms), if any.
  public func firstFindingIndex() throws -> Int? {
    var confirmation = DeadlockConfirmation()
    var previous: (index: Int, snapshot: Snapshot)?
    for index in 0..<count {
      let snapshot = try self.snapshot(at: index, near: previous)
      previous = (index, snapshot)
      if confirmation.analyse(snapshot).analysis.hasFinding { return index }
    }
    return nil
  }

  /// The frame at `index` confirmed by the one before it: what the live view showed then.
  public func confirmedAnalysis(at index: Int) throws -> Analysis {
    var confirmation = DeadlockConfirmation()
    if index > 0 { _ = confirmation.analyse(try snapshot(at: index - 1)) }
    return confirmation.analyse(try snapshot(at: index)).analysis
  }

  /// The last frame taken at or before `nanoseconds`; the first when all came later.
  public func index(at nanoseconds: UInt64) -> Int {
    var low = 0
    var high = frames.count
    while low < high {
      let middle = (low + high) / 2
      if frames[middle].takenAtNanoseconds <= nanoseconds { low = middle + 1 } else { high = middle }
    }
    return max(0, low - 1)
  }

  /// Frame `index` as a snapshot, decoded from the key frame before it, or from `near`
  /// (a frame already decoded before `index`) when that is closer.
  public func snapshot(at index: Int, near: (index: Int, snapshot: Snapshot)? = nil) throws -> Snapshot {
    precondition(frames.indices.contains(index), "frame \(index) of \(frames.count)")
    var start = index
    while start > 0 && frames[start].kind != .key { start -= 1 }
    var current: Snapshot?
    if let near, near.index <= index, near.index >= start {
      current = near.snapshot
      start = near.index + 1
    }
    guard current != nil || frames[start].kind == .key else {
      throw RecordingError.damaged("frame \(start) needs a frame before it")
    }
    for position in start...index {
      current = try decode(frames[position], after: current)
    }
    return current!
  }

  func decode(_ frame: StoredFrame, after previous: Snapshot?) throws -> Snapshot {
    var reader = ValueReader(input: ByteReader(frame.payload), strings: strings)
    return try reader.snapshot(against: frame.kind == .key ? nil : previous)
  }

  mutating func append(_ frame: StoredFrame) {
    frames.append(frame)
    byteCount += frame.payload.count + Self.envelope
  }

  mutating func define(_ newStrings: [String]) { strings += newStrings }

  /// Drops the oldest frames, a key frame's run at a time, while `tooMuch` says so.
  mutating func trimFront(while tooMuch: (Recording) -> Bool) {
    while tooMuch(self), let next = frames.indices.dropFirst().first(where: { frames[$0].kind == .key }) {
      byteCount -= frames[..<next].reduce(0) { $0 + $1.payload.count + Self.envelope }
      frames.removeFirst(next)
    }
  }

  /// Length, kind and checksum around each frame's payload.
  static let envelope = 9
}

extension Recording {
  /// The whole recording as a file: header, meta, every string, every frame.
  public func fileBytes() -> [UInt8] {
    var bytes = RecordingFormat.header
    Self.appendFrame(.meta, meta.payload, to: &bytes)
    if !strings.isEmpty { Self.appendFrame(.strings, Self.stringsPayload(strings), to: &bytes) }
    for frame in frames { Self.appendFrame(frame.kind, frame.payload, to: &bytes) }
    return bytes
  }

  static func stringsPayload(_ strings: [String]) -> [UInt8] {
    var out = ByteWriter()
    out.array(strings) { $0.inlineString($1) }
    return out.bytes
  }

  static func appendFrame(_ kind: FrameKind, _ payload: [UInt8], to bytes: inout [UInt8]) {
    var out = ByteWriter()
    out.fixed32(UInt32(payload.count))
    out.byte(kind.rawValue)
    bytes += out.bytes
    bytes += payload
    var checksum = CRC32()
    checksum.update([kind.rawValue])
    checksum.update(payload)
    out = ByteWriter()
    out.fixed32(checksum.value)
    bytes += out.bytes
  }

  /// Reads a recording file's bytes. Damage after the first snapshot keeps the frames
  /// before it and says where (`damage`); damage before it throws.
  public init(fileBytes bytes: [UInt8]) throws {
    let magic = RecordingFormat.magic
    guard bytes.count >= magic.count + 2, Array(bytes[..<magic.count]) == magic else {
      throw RecordingError.notARecording(bytes.isEmpty ? "the file is empty" : "it does not start with DTREC")
    }
    let version = UInt16(bytes[magic.count]) | UInt16(bytes[magic.count + 1]) << 8
    guard version >= 1 && version <= RecordingFormat.version else {
      throw RecordingError.unsupportedVersion(version)
    }
    var position = magic.count + 2
    var meta: RecordingMeta?
    var recording: Recording?
    var frameNumber = 0
    func stop(_ why: String) throws {
      let text = "\(why) at byte \(position), after \(recording?.count ?? 0) snapshots"
      guard recording != nil, recording!.count > 0 else { throw RecordingError.damaged(text) }
      recording!.damage = text
    }
    reading: while position < bytes.count {
      frameNumber += 1
      guard bytes.count - position >= Self.envelope else {
        try stop("the file ends inside a frame")
        break
      }
      var envelope = ByteReader(bytes, from: position, to: position + 5)
      let length = Int(try envelope.fixed32())
      let rawKind = try envelope.byte()
      let payloadStart = position + 5
      guard length <= bytes.count - payloadStart - 4 else {
        try stop("the file ends inside a frame")
        break
      }
      let payload = Array(bytes[payloadStart..<payloadStart + length])
      var checksum = CRC32()
      checksum.update([rawKind])
      checksum.update(payload)
      var trailer = ByteReader(bytes, from: payloadStart + length, to: payloadStart + length + 4)
      guard try trailer.fixed32() == checksum.value else {
        try stop("a frame's checksum does not match")
        break
      }
      guard let kind = FrameKind(rawValue: rawKind) else {
        try stop("a frame of unknown kind \(rawKind)")
        break
      }
      do {
        switch kind {
        case .meta:
          guard meta == nil else { throw RecordingError.damaged("a second meta frame") }
          meta = try RecordingMeta(payload: payload)
          recording = Recording(meta: meta!)
        case .strings:
          guard recording != nil else { throw RecordingError.damaged("strings before the meta frame") }
          var input = ByteReader(payload)
          recording!.define(try input.array { try $0.inlineString() })
        case .key, .delta:
          guard recording != nil else { throw RecordingError.damaged("a snapshot before the meta frame") }
          guard recording!.count > 0 || kind == .key else {
            throw RecordingError.damaged("the first snapshot is a delta")
          }
          var input = ByteReader(payload)
          recording!.append(
            StoredFrame(kind: kind, takenAtNanoseconds: try input.fixed64(), payload: payload))
        }
      } catch let error as RecordingError {
        if case .damaged(let why) = error { try stop(why) } else { throw error }
        break reading
      }
      position = payloadStart + length + 4
    }
    guard let recording else { throw RecordingError.notARecording("it has no meta frame") }
    guard !recording.isEmpty else { throw RecordingError.empty }
    self = recording
  }
}

/// CRC-32 (IEEE 802.3, as zlib computes it), to find damaged frames.
struct CRC32 {
  private static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
  }
  private var state: UInt32 = 0xFFFF_FFFF

  mutating func update(_ bytes: [UInt8]) {
    var value = state
    Self.table.withUnsafeBufferPointer { table in
      for byte in bytes { value = table[Int((value ^ UInt32(byte)) & 0xff)] ^ (value >> 8) }
    }
    state = value
  }

  var value: UInt32 { state ^ 0xFFFF_FFFF }
}
