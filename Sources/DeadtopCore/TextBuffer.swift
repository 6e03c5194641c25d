/// Text written as UTF-8 bytes, for a report. A report of 10,000 tasks appends half a
/// million pieces of a few bytes each; a `String` checks its capacity, uniqueness and
/// flags on every append and an array calls `memmove`, which together cost more than the
/// report's own work. A builder, shared by reference like one, and not thread-safe:
/// its fields skip the runtime's exclusivity checks, which would cost more than the
/// appends themselves.
public final class TextBuffer {
  @exclusivity(unchecked) private var storage: UnsafeMutablePointer<UInt8>
  @exclusivity(unchecked) private var capacity: Int
  @exclusivity(unchecked) public private(set) var count = 0

  public init(capacity: Int = 256) {
    self.capacity = max(16, capacity)
    storage = .allocate(capacity: self.capacity)
  }

  deinit { storage.deallocate() }

  public static func += (buffer: TextBuffer, text: String) { buffer.append(text) }

  public func append(_ text: String) {
    var text = text
    text.withUTF8 { append(utf8: $0) }
  }

  public func append(byte: UInt8) {
    if count == capacity { grow(toHold: count + 1) }
    storage[count] = byte
    count += 1
  }

  public func append(_ text: StaticString) { text.withUTF8Buffer { append(utf8: $0) } }

  /// Bytes that are valid UTF-8.
  public func append(utf8 bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress else { return }
    let end = count + bytes.count
    if end > capacity { grow(toHold: end) }
    // Most pieces are a few bytes: a loop beats a call to memcpy.
    if bytes.count <= 16 {
      for index in 0..<bytes.count { storage[count + index] = source[index] }
    } else {
      (storage + count).update(from: source, count: bytes.count)
    }
    count = end
  }

  /// The decimal digits of `value`.
  public func append(number value: some BinaryInteger) {
    if count + 21 > capacity { grow(toHold: count + 21) }
    if value < 0 {
      storage[count] = UInt8(ascii: "-")
      count += 1
    }
    var magnitude = UInt64(value.magnitude)
    var digits = 1
    var power: UInt64 = 10
    while digits < 20 && magnitude >= power {
      digits += 1
      power = power &* 10
    }
    for index in stride(from: digits - 1, through: 0, by: -1) {
      storage[count + index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
      magnitude /= 10
    }
    count += digits
  }

  private func grow(toHold needed: Int) {
    var newCapacity = capacity * 2
    while newCapacity < needed { newCapacity *= 2 }
    let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newStorage.moveInitialize(from: storage, count: count)
    storage.deallocate()
    storage = newStorage
    capacity = newCapacity
  }

  public var string: String {
    String(decoding: UnsafeBufferPointer(start: storage, count: count), as: UTF8.self)
  }
}
