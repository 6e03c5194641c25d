/// Writes JSON straight into bytes, in the layout Foundation's `JSONEncoder` gives with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (two-space indent, `"key" :
/// value`, an empty container on three lines), so that the report reads the same as it
/// always has at a tenth of the cost: no intermediate values, no key sorting at run time
/// (each type writes its fields in sorted order; a test holds both encoders equal).
struct JSONWriter {
  private(set) var bytes: [UInt8] = []
  /// Per open container: whether anything has been written into it yet.
  private var filled: [Bool] = []

  init(capacity: Int) { bytes.reserveCapacity(capacity) }

  mutating func beginObject() { open(UInt8(ascii: "{")) }
  mutating func endObject() { close(UInt8(ascii: "}")) }
  mutating func beginArray() { open(UInt8(ascii: "[")) }
  mutating func endArray() { close(UInt8(ascii: "]")) }

  mutating func field<Value: JSONWritable>(_ key: StaticString, _ value: Value) {
    nextItem()
    bytes.append(UInt8(ascii: "\""))
    key.withUTF8Buffer { bytes.append(contentsOf: $0) }
    bytes.append(UInt8(ascii: "\""))
    bytes.append(0x20)
    bytes.append(UInt8(ascii: ":"))
    bytes.append(0x20)
    value.write(to: &self)
  }

  /// Absent values are left out, as the synthesized `Encodable` does.
  mutating func field<Value: JSONWritable>(_ key: StaticString, ifPresent value: Value?) {
    if let value { field(key, value) }
  }

  mutating func element<Value: JSONWritable>(_ value: Value) {
    nextItem()
    value.write(to: &self)
  }

  mutating func raw(_ text: String) {
    var text = text
    text.withUTF8 { bytes.append(contentsOf: $0) }
  }

  mutating func string(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      var start = 0
      for index in utf8.indices {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
        start = index + 1
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        default:
          let hex = Self.hexDigits
          bytes.append(contentsOf: [
            0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)],
          ])
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// Integral values without a fraction (`1`, not `1.0`), as Foundation writes them.
  mutating func number(_ value: Double) {
    if value == value.rounded(), abs(value) < 1e15 {
      if value == 0, value.sign == .minus { raw("-0") } else { raw(String(Int64(value))) }
    } else {
      raw(value.description)
    }
  }

  private mutating func open(_ bracket: UInt8) {
    bytes.append(bracket)
    filled.append(false)
  }

  private mutating func close(_ bracket: UInt8) {
    let wasFilled = filled.removeLast()
    bytes.append(0x0A)
    if !wasFilled { bytes.append(0x0A) }
    indent()
    bytes.append(bracket)
  }

  private mutating func nextItem() {
    if filled[filled.count - 1] { bytes.append(UInt8(ascii: ",")) }
    filled[filled.count - 1] = true
    bytes.append(0x0A)
    indent()
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)
  private static let spaces = [UInt8](repeating: 0x20, count: 64)

  private mutating func indent() {
    var count = 2 * filled.count
    while count > 0 {
      let run = min(count, Self.spaces.count)
      Self.spaces.withUnsafeBufferPointer {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<run]))
      }
      count -= run
    }
  }
}

/// A value the report writes.
protocol JSONWritable {
  func write(to json: inout JSONWriter)
}

extension String: JSONWritable {
  func write(to json: inout JSONWriter) { json.string(self) }
}

extension Bool: JSONWritable {
  func write(to json: inout JSONWriter) { json.raw(self ? "true" : "false") }
}

extension Double: JSONWritable {
  func write(to json: inout JSONWriter) { json.number(self) }
}

extension Int: JSONWritable {
  func write(to json: inout JSONWriter) { json.raw(String(self)) }
}

extension Int32: JSONWritable {
  func write(to json: inout JSONWriter) { json.raw(String(self)) }
}

extension UInt32: JSONWritable {
  func write(to json: inout JSONWriter) { json.raw(String(self)) }
}

extension UInt64: JSONWritable {
  func write(to json: inout JSONWriter) { json.raw(String(self)) }
}

extension Array: JSONWritable where Element: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginArray()
    for element in self { json.element(element) }
    json.endArray()
  }
}
