/// The STRINGS table's format, for the writer and every reader: a `UInt32` length
/// (little-endian), then the UTF-8 bytes, padded to 4. A reference is the entry's offset
/// plus one, so that 0 means "none".
public enum StringTable {
  /// Longer strings are cut to this many bytes.
  public static let maximumBytes = 4096
  /// Offset 0 stays unused so that reference 0 can mean "none".
  public static let firstOffset = 4

  /// Bytes an entry for `byteCount` bytes of text takes.
  public static func entrySize(byteCount: Int) -> Int { 4 + (byteCount + 3) & ~3 }

  /// The bytes of an entry for `text` (cut to `maximumBytes`).
  public static func entry(for text: String) -> [UInt8] {
    let bytes = Array(text.utf8.prefix(maximumBytes))
    var entry = [UInt8](repeating: 0, count: entrySize(byteCount: bytes.count))
    entry.withUnsafeMutableBytes { write(bytes, at: $0.baseAddress!) }
    return entry
  }

  /// Writes an entry at `address`; the caller has checked that `entrySize` bytes fit.
  public static func write(_ bytes: [UInt8], at address: UnsafeMutableRawPointer) {
    address.storeBytes(of: UInt32(bytes.count).littleEndian, as: UInt32.self)
    bytes.withUnsafeBytes { (address + 4).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
  }

  /// The string at `reference`, checked against the `used` bytes published so far: a
  /// reference or a length that points past them reads as nil, never out of bounds.
  public static func read(_ reference: UInt32, table: UnsafeRawPointer, used: UInt64) -> String? {
    guard reference > 0 else { return nil }
    let offset = UInt64(reference - 1)
    guard offset + 4 <= used else { return nil }
    let entry = table + Int(offset)
    let length = UInt64(UInt32(littleEndian: entry.loadUnaligned(as: UInt32.self)))
    guard length <= used - offset - 4 else { return nil }
    return String(decoding: UnsafeRawBufferPointer(start: entry + 4, count: Int(length)), as: UTF8.self)
  }
}
