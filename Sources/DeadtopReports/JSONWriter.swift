import DeadtopCore

/// Writes JSON straight into bytes, in the layout Foundation's `JSONEncoder` gives with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (two-space indent, `"key" :
/// value`, an empty container on three lines), so that the report reads the same as it
/// always has at a tenth of the cost: no intermediate values, no key sorting at run time
/// (each type writes its fields in sorted order; a test holds both encoders equal).
struct JSONWriter {
  let text: TextBuffer
  /// Per open container: whether anything has been written into it yet.
  private var filled: [Bool] = []

  init(capacity: Int) { text = TextBuffer(capacity: capacity) }

  mutating func beginObject() { open(UInt8(ascii: "{")) }
  mutating func endObject() { close(UInt8(ascii: "}")) }
  mutating func beginArray() { open(UInt8(ascii: "[")) }
  mutating func endArray() { close(UInt8(ascii: "]")) }

  mutating func field<Value: JSONWritable>(_ key: StaticString, _ value: Value) {
    nextItem()
    text.append(byte: UInt8(ascii: "\""))
    text.append(key)
    text.append("\" : " as StaticString)
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

  mutating func raw(_ value: String) { text.append(value) }

  mutating func string(_ value: String) {
    text.append(byte: UInt8(ascii: "\""))
    var value = value
    value.withUTF8 { utf8 in
      var start = 0
      for index in utf8.indices {
        let byte = utf8[index]
        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
        text.append(utf8: UnsafeBufferPointer(rebasing: utf8[start..<index]))
        start = index + 1
        switch byte {
        case UInt8(ascii: "\""): text.append("\\\"" as StaticString)
        case UInt8(ascii: "\\"): text.append("\\\\" as StaticString)
        case 0x0A: text.append("\\n" as StaticString)
        case 0x0D: text.append("\\r" as StaticString)
        case 0x09: text.append("\\t" as StaticString)
        case 0x08: text.append("\\b" as StaticString)
        case 0x0C: text.append("\\f" as StaticString)
        default:
          text.append("\\u00" as StaticString)
          text.append(byte: Self.hexDigits[Int(byte >> 4)])
          text.append(byte: Self.hexDigits[Int(byte & 15)])
        }
      }
      text.append(utf8: UnsafeBufferPointer(rebasing: utf8[start...]))
    }
    text.append(byte: UInt8(ascii: "\""))
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
    text.append(byte: bracket)
    filled.append(false)
  }

  private mutating func close(_ bracket: UInt8) {
    let wasFilled = filled.removeLast()
    text.append(byte: 0x0A)
    if !wasFilled { text.append(byte: 0x0A) }
    indent()
    text.append(byte: bracket)
  }

  private mutating func nextItem() {
    if filled[filled.count - 1] { text.append(byte: UInt8(ascii: ",")) }
    filled[filled.count - 1] = true
    text.append(byte: 0x0A)
    indent()
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)
  private static let spaces: StaticString = "                                                                "

  private mutating func indent() {
    var count = 2 * filled.count
    Self.spaces.withUTF8Buffer { spaces in
      while count > 0 {
        let run = min(count, spaces.count)
        text.append(utf8: UnsafeBufferPointer(rebasing: spaces[..<run]))
        count -= run
      }
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
  func write(to json: inout JSONWriter) { json.text.append(number: self) }
}

extension Int32: JSONWritable {
  func write(to json: inout JSONWriter) { json.text.append(number: self) }
}

extension UInt32: JSONWritable {
  func write(to json: inout JSONWriter) { json.text.append(number: self) }
}

extension UInt64: JSONWritable {
  func write(to json: inout JSONWriter) { json.text.append(number: self) }
}

extension Array: JSONWritable where Element: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginArray()
    for element in self { json.element(element) }
    json.endArray()
  }
}
