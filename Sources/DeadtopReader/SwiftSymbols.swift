import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The Swift runtime's demangler (libswiftCore exports it; the monitor links it anyway).
@_silgen_name("swift_demangle")
private func swiftDemangle(
  _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int,
  _ outputBuffer: UnsafeMutablePointer<CChar>?,
  _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

/// Reading Swift's mangled symbol names, just far enough to name what a thread waits on.
enum SwiftSymbols {
  /// `Registry.init()` for `$s4main8RegistryCACycfc`: demangled, without the program's
  /// module or the result type. A C symbol stays as it is.
  static func readable(_ symbol: String) -> String {
    guard symbol.hasPrefix("$s") || symbol.hasPrefix("_$s") else { return symbol }
    let demangled = symbol.withCString { name -> String? in
      guard let result = swiftDemangle(name, strlen(name), nil, nil, 0) else { return nil }
      defer { free(result) }
      return String(cString: result)
    }
    guard var text = demangled else { return symbol }
    // An async function runs as partial functions: `(1) suspend resume partial function
    // for closure #1 …` is that closure, for whoever wrote it.
    if text.hasPrefix("("), let range = text.range(of: " partial function for ") {
      text = String(text[range.upperBound...])
    }
    // The result type, after the last top-level arrow.
    if let arrow = text.range(of: " -> ", options: .backwards), !text[arrow.upperBound...].contains(" in ") {
      text = String(text[..<arrow.lowerBound])
    }
    let module = lengthPrefixedIdentifiers(symbol.drop { $0 != "s" }.dropFirst()).first
    if let module {
      text = text.replacingOccurrences(of: module + ".", with: "")
      if text.hasSuffix(" in " + module) { text = String(text.dropLast(module.count + 4)) }
    }
    // Imported C and Objective-C types: `__C.NSLock` is `NSLock`; `Swift.Bool` is `Bool`.
    text = text.replacingOccurrences(of: "__C.", with: "").replacingOccurrences(of: "Swift.", with: "")
    return shortened(text)
  }

  /// What a person calls a demangled context: `closure #1 in … queueABBA` for
  /// `closure #1 () -> () in closure #1 @Sendable () -> () in variable initialization
  /// expression of queueABBA : Scenario`; `Registry.shared` for its addressor.
  static func shortened(_ demangled: String) -> String {
    var text = demangled
    // A closure's signature says nothing a person looks for.
    text.replace(#/(closure #\d+) (?:@\w+ )*\([^()]*\)(?: async)?(?: throws)? -> \S+ in /#) { "\($0.1) in " }
    text.replace(#/(closure #\d+) (?:@\w+ )*\([^()]*\)(?: async)?(?: throws)? -> \S+$/#) { String($0.1) }
    text.replace(#/variable initialization expression of (\S+) : \S+/#) { String($0.1) }
    text.replace(#/\.unsafeMutableAddressor : .*$/#) { _ in "" }
    // Closures in closures: the innermost, then where they all are.
    text.replace(#/^(closure #\d+ in )(?:closure #\d+ in )+/#) { "\($0.1)… in " }
    return text
  }

  /// `Registry.shared` for the one-time initialization token of a `static let` or a lazy
  /// global (`$s4main8RegistryC6shared_Wz`, maybe `+4` into it); nil for anything else.
  /// The module is left out: it is the program's own.
  static func onceToken(_ symbol: String) -> String? {
    let name = symbol.split(separator: "+").first.map(String.init) ?? symbol
    guard name.hasPrefix("$s"), name.hasSuffix("_Wz") else { return nil }
    let identifiers = lengthPrefixedIdentifiers(name.dropFirst(2).dropLast(3))
    guard identifiers.count >= 2 else { return identifiers.first }
    return identifiers.dropFirst().joined(separator: ".")
  }

  /// The `<length><identifier>` runs of a mangled name, skipping the one-letter kinds
  /// between them (`C` class, `V` struct, `O` enum).
  static func lengthPrefixedIdentifiers(_ text: Substring) -> [String] {
    var identifiers: [String] = []
    var rest = text[...]
    while let first = rest.first {
      guard first.isASCII, first.isNumber else {
        rest = rest.dropFirst()
        continue
      }
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      rest = rest.dropFirst(digits.count)
      guard let length = Int(digits), length > 0, length <= rest.count else { return identifiers }
      identifiers.append(String(rest.prefix(length)))
      rest = rest.dropFirst(length)
    }
    return identifiers
  }
}
