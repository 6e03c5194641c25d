#if canImport(Glibc)
  import Glibc
#endif

/// Reads another process's memory through /proc/<pid>/mem (pread: nothing is stopped).
/// Every read goes through `values(_:at:count:)`; a read that does not return all its
/// bytes (unmapped memory, a process gone) gives nil, never a partial value.
final class ProcessMemory {
  let descriptor: Int32

  init?(pid: Int32) {
    let descriptor = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    self.descriptor = descriptor
  }

  deinit { close(descriptor) }

  /// The 32-bit words read so far: memory is opened afresh for each snapshot, and a
  /// thousand waiters on one lock need its words once.
  private var int32Cache: [UInt64: Int32?] = [:]

  func int32(at address: UInt64) -> Int32? {
    if let known = int32Cache[address] { return known }
    let value = values(Int32.self, at: address, count: 1)?.first
    int32Cache[address] = .some(value)
    return value
  }

  func uint64(at address: UInt64) -> UInt64? { values(UInt64.self, at: address, count: 1)?.first }

  func uint16s(at address: UInt64, count: Int) -> [UInt16]? { values(UInt16.self, at: address, count: count) }

  func uint64s(at address: UInt64, count: Int) -> [UInt64]? { values(UInt64.self, at: address, count: count) }

  /// Up to `bytes` of memory from `address` as words; a stack ends before that, so a
  /// short read (the end of the mapping) is what there is.
  func words(at address: UInt64, upTo bytes: Int) -> [UInt64]? {
    let (values, read) = read(UInt64.self, at: address, count: bytes / 8)
    return read > 0 ? Array(values.prefix(read / 8)) : nil
  }

  /// A NUL-terminated string of printable UTF-8 within `limit` bytes, or nil.
  func cString(at address: UInt64, limit: Int) -> String? {
    let (bytes, read) = read(UInt8.self, at: address, count: limit)
    guard read > 0, let end = bytes[..<read].firstIndex(of: 0), end > 0 else { return nil }
    let text = String(decoding: bytes[..<end], as: UTF8.self)
    guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{FFFD}" }) else { return nil }
    return text
  }

  /// `count` values from `address`, or nil unless all of them could be read.
  private func values<T: FixedWidthInteger>(_ type: T.Type, at address: UInt64, count: Int) -> [T]? {
    let (values, read) = read(type, at: address, count: count)
    return read == count * MemoryLayout<T>.size ? values : nil
  }

  /// The one pread: up to `count` values, and how many bytes came.
  private func read<T: FixedWidthInteger>(_: T.Type, at address: UInt64, count: Int) -> (
    values: [T], bytes: Int
  ) {
    var values = [T](repeating: 0, count: count)
    let read = values.withUnsafeMutableBytes {
      pread(descriptor, $0.baseAddress, $0.count, off_t(Int64(bitPattern: address)))
    }
    return (values, max(0, read))
  }
}
