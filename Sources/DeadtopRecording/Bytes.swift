/// The primitives of the recording format (docs/RECORDING.md): unsigned LEB128 varints,
/// zigzag for signed numbers, little-endian fixed words, and strings either by their
/// number in the recording's string table or written in place.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func byte(_ value: UInt8) { bytes.append(value) }

  mutating func varint(_ value: UInt64) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  mutating func varint(_ value: Int) { varint(UInt64(bitPattern: Int64(value) << 1 ^ Int64(value) >> 63)) }
  mutating func varint(_ value: UInt32) { varint(UInt64(value)) }
  mutating func varint(_ value: Int32) { varint(Int(value)) }
  mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

  mutating func fixed32(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
    }
  }

  mutating func fixed64(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
  }

  /// A string in place: its UTF-8 length, then its bytes.
  mutating func inlineString(_ value: String) {
    var value = value
    value.withUTF8 { utf8 in
      varint(UInt64(utf8.count))
      bytes.append(contentsOf: utf8)
    }
  }

  /// A present-or-absent value: 0, or 1 and the value.
  mutating func optional<Value>(_ value: Value?, _ write: (inout ByteWriter, Value) -> Void) {
    guard let value else { return byte(0) }
    byte(1)
    write(&self, value)
  }

  mutating func array<Element>(_ values: [Element], _ write: (inout ByteWriter, Element) -> Void) {
    varint(UInt64(values.count))
    for value in values { write(&self, value) }
  }
}

/// Reads what `ByteWriter` wrote; every read checks the bounds, so damaged bytes throw
/// instead of trapping.
struct ByteReader {
  private let bytes: [UInt8]
  private(set) var position: Int
  private let end: Int

  init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
    self.bytes = bytes
    self.position = start
    self.end = end ?? bytes.count
  }

  var atEnd: Bool { position >= end }

  /// Steps back over bytes just read, to read them again another way.
  mutating func rewind(by count: Int) { position = max(0, position - count) }

  mutating func byte() throws -> UInt8 {
    guard position < end else { throw RecordingError.damaged("a frame ends early") }
    defer { position += 1 }
    return bytes[position]
  }

  mutating func varint() throws -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let next = try byte()
      guard shift < 64 else { throw RecordingError.damaged("a number is too long") }
      value |= UInt64(next & 0x7f) << shift
      if next < 0x80 { return value }
      shift += 7
    }
  }

  mutating func signed() throws -> Int {
    let raw = try varint()
    return Int(Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
  }

  mutating func int32() throws -> Int32 {
    guard let value = Int32(exactly: try signed()) else {
      throw RecordingError.damaged("a number is out of range")
    }
    return value
  }

  mutating func uint32() throws -> UInt32 {
    guard let value = UInt32(exactly: try varint()) else {
      throw RecordingError.damaged("a number is out of range")
    }
    return value
  }

  /// A count of things that follow, each at least one byte: never more than the bytes left.
  mutating func count() throws -> Int {
    let value = try varint()
    guard value <= UInt64(end - position) else { throw RecordingError.damaged("a count exceeds its frame") }
    return Int(value)
  }

  mutating func bool() throws -> Bool { try byte() != 0 }

  mutating func fixed32() throws -> UInt32 {
    var value: UInt32 = 0
    for shift in stride(from: 0, to: 32, by: 8) { value |= UInt32(try byte()) << UInt32(shift) }
    return value
  }

  mutating func fixed64() throws -> UInt64 {
    var value: UInt64 = 0
    for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(try byte()) << UInt64(shift) }
    return value
  }

  mutating func inlineString() throws -> String {
    let length = try count()
    defer { position += length }
    return String(decoding: bytes[position..<position + length], as: UTF8.self)
  }

  mutating func optional<Value>(_ read: (inout ByteReader) throws -> Value) throws -> Value? {
    switch try byte() {
    case 0: return nil
    case 1: return try read(&self)
    default: throw RecordingError.damaged("a presence flag is neither 0 nor 1")
    }
  }

  mutating func array<Element>(_ read: (inout ByteReader) throws -> Element) throws -> [Element] {
    let count = try count()
    var values: [Element] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try read(&self)) }
    return values
  }
}

/// Why a recording cannot be read (further).
public enum RecordingError: Error, CustomStringConvertible, Equatable {
  case notARecording(String)
  case unsupportedVersion(UInt16)
  case damaged(String)
  case empty

  public var description: String {
    switch self {
    case .notARecording(let why): "not a deadtop recording (\(why))"
    case .unsupportedVersion(let version):
      "recording format version \(version) is newer than this deadtop reads (\(RecordingFormat.version)); use a newer deadtop"
    case .damaged(let why): "the recording is damaged: \(why)"
    case .empty: "the recording holds no snapshot"
    }
  }
}
