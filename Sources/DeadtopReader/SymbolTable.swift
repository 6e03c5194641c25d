import Foundation

/// Names addresses in another process: a global lock as its symbol (`accounts_lock`),
/// anything else as its address and the mapping it lies in (`0x55d0… in [heap]`). It
/// reads /proc/<pid>/maps and the ELF symbol tables (.symtab, else .dynsym) of the
/// mapped files, once per file.
struct SymbolTable {
  struct Mapping {
    let start: UInt64
    let end: UInt64
    let offset: UInt64
    let path: String
    var executable = false
  }

  struct Symbol {
    let value: UInt64
    let size: UInt64
    let name: String
    /// Code (STT_FUNC) rather than data: never a name for a lock's address.
    var isFunction = false
  }

  private let pid: Int32
  private var mappings: [Mapping] = []
  /// Per file: its symbols (sorted by value) and the vaddr of its first loadable segment.
  private var files: [String: (symbols: [Symbol], firstLoad: UInt64)?] = [:]

  init(pid: Int32) {
    self.pid = pid
    mappings = Self.readMappings(pid: pid)
  }

  mutating func name(for address: UInt64) -> String {
    if let symbol = symbol(for: address) { return symbol }
    guard let mapping = mapping(containing: address) else { return hex(address) }
    let place = mapping.path.isEmpty ? "anonymous memory" : mapping.path
    return "\(hex(address)) in \(place)"
  }

  /// Where `symbol` of the mapped library whose file name is `library` lies in the
  /// process, or nil when that library is not mapped or has no such symbol.
  mutating func address(of symbol: String, inLibrary library: String) -> UInt64? {
    range(of: symbol, inLibrary: library)?.lowerBound
  }

  /// The addresses `symbol` (a variable or a function) of `library` covers in the process.
  mutating func range(of symbol: String, inLibrary library: String) -> Range<UInt64>? {
    guard
      let first = mappings.first(where: {
        $0.offset == 0 && $0.path.split(separator: "/").last.map(String.init) == library
      })
    else { return nil }
    guard let (symbols, firstLoad) = symbols(ofFile: first.path),
      let found = symbols.first(where: { $0.name == symbol })
    else { return nil }
    let start = found.value &+ (first.start &- firstLoad)
    return start..<(start &+ max(found.size, 1))
  }

  private func mapping(containing address: UInt64) -> Mapping? {
    mappings.first { $0.start <= address && address < $0.end }
  }

  private mutating func symbol(for address: UInt64) -> String? {
    guard let found = lookup(address), !found.symbol.isFunction else { return nil }
    return found.offset == 0 ? found.symbol.name : "\(found.symbol.name)+\(found.offset)"
  }

  /// The function `address` lies in, how far into it, and the file that holds it (for
  /// a return address found on a stack).
  mutating func function(at address: UInt64) -> (name: String, offset: UInt64, path: String)? {
    guard let found = lookup(address), found.symbol.isFunction else { return nil }
    return (found.symbol.name, found.offset, found.path)
  }

  /// The program's own code in memory: its executable and its own libraries' text.
  private(set) lazy var ownCode: [Range<UInt64>] = mappings.filter { $0.executable && Self.isOwn($0.path) }
    .map { $0.start..<$0.end }

  /// The file of the program's own code that `address` lies in.
  mutating func ownCodeFile(at address: UInt64) -> String? {
    guard ownCode.contains(where: { $0.contains(address) }) else { return nil }
    return mapping(containing: address)?.path
  }

  /// libc and the system's libraries, and Swift's runtime, Foundation and libdispatch
  /// wherever the toolchain put them: not the program's own code.
  static func isSystem(_ path: String) -> Bool {
    if ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/"].contains(where: path.hasPrefix) {
      return true
    }
    let file = path.split(separator: "/").last.map(String.init) ?? path
    return ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "lib_Foundation", "libicu"]
      .contains(where: file.hasPrefix) || file.hasPrefix("ld-linux")
  }

  /// A mapped file of the program's own (not anonymous memory, not the system's).
  static func isOwn(_ path: String) -> Bool { path.hasPrefix("/") && !isSystem(path) }

  /// A mapped file's symbols (sorted by value) and its first loadable segment's vaddr,
  /// read once per file.
  private mutating func symbols(ofFile path: String) -> (symbols: [Symbol], firstLoad: UInt64)? {
    if files[path] == nil { files[path] = .some(ELFSymbols.read(path: "/proc/\(pid)/root\(path)")) }
    return files[path] ?? nil
  }

  /// The pointer-sized global variables of the program's own files, where they are.
  mutating func ownPointerGlobals() -> [(name: String, address: UInt64)] {
    var globals: [(name: String, address: UInt64)] = []
    for first in mappings where first.offset == 0 && Self.isOwn(first.path) {
      guard let (symbols, firstLoad) = symbols(ofFile: first.path) else { continue }
      for symbol in symbols where !symbol.isFunction && symbol.size == 8 {
        globals.append((symbol.name, symbol.value &+ (first.start &- firstLoad)))
      }
    }
    return globals
  }

  /// The symbol that covers `address`, its offset into it, and its file.
  private mutating func lookup(_ address: UInt64) -> (symbol: Symbol, offset: UInt64, path: String)? {
    // The object an address belongs to starts at its mapping with file offset 0; .bss
    // lies in anonymous memory after the file's last mapping, so look back from there.
    guard let index = mappings.lastIndex(where: { $0.start <= address }) else { return nil }
    var candidate = index
    while candidate >= 0 && (mappings[candidate].path.isEmpty || !mappings[candidate].path.hasPrefix("/")) {
      candidate -= 1
    }
    guard candidate >= 0 else { return nil }
    let path = mappings[candidate].path
    guard let first = mappings.first(where: { $0.path == path && $0.offset == 0 }) else { return nil }
    guard let (symbols, firstLoad) = symbols(ofFile: path) else { return nil }
    let bias = first.start &- firstLoad
    let virtual = address &- bias
    // The last symbol starting at or before the address that still covers it.
    var low = 0
    var high = symbols.count
    while low < high {
      let middle = (low + high) / 2
      if symbols[middle].value <= virtual { low = middle + 1 } else { high = middle }
    }
    guard low > 0 else { return nil }
    let symbol = symbols[low - 1]
    guard virtual < symbol.value + max(symbol.size, 1) else { return nil }
    return (symbol, virtual - symbol.value, path)
  }

  static func readMappings(pid: Int32) -> [Mapping] {
    // Foundation reads a /proc file only as far as its (zero) size says: read it whole.
    guard let text = readWholeText("/proc/\(pid)/maps") else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count >= 5 else { return nil }
      let range = fields[0].split(separator: "-")
      guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
        let offset = UInt64(fields[2], radix: 16)
      else { return nil }
      let path = fields.count > 5 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
      return Mapping(start: start, end: end, offset: offset, path: path, executable: fields[1].contains("x"))
    }
  }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// The object and function symbols of an ELF64 little-endian file: just enough of the
/// format to name global variables and to find a runtime's functions on a stack.
enum ELFSymbols {
  static func read(path: String) -> (symbols: [SymbolTable.Symbol], firstLoad: UInt64)? {
    guard let data = FileManager.default.contents(atPath: path), data.count > 64 else { return nil }
    return data.withUnsafeBytes { bytes -> (symbols: [SymbolTable.Symbol], firstLoad: UInt64)? in
      func u16(_ at: Int) -> UInt64 {
        at + 2 <= bytes.count ? UInt64(bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)) : 0
      }
      func u32(_ at: Int) -> UInt64 {
        at + 4 <= bytes.count ? UInt64(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) : 0
      }
      func u64(_ at: Int) -> UInt64 {
        at + 8 <= bytes.count ? bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self) : 0
      }
      // "\x7fELF", 64-bit, little-endian.
      guard u32(0) == 0x464C_457F, bytes[4] == 2, bytes[5] == 1 else { return nil }
      let programHeaders = Int(u64(32))
      let programHeaderSize = Int(u16(54))
      let programHeaderCount = Int(u16(56))
      var firstLoad: UInt64?
      for index in 0..<programHeaderCount {
        let header = programHeaders + index * programHeaderSize
        if u32(header) == 1 {  // PT_LOAD
          let virtual = u64(header + 16)
          let offset = u64(header + 8)
          if firstLoad == nil { firstLoad = virtual &- offset }
        }
      }
      let sections = Int(u64(40))
      let sectionSize = Int(u16(58))
      let sectionCount = Int(u16(60))
      guard sections > 0, sectionSize >= 64, sections + sectionCount * sectionSize <= bytes.count else {
        return nil
      }
      func section(_ index: Int) -> (type: UInt64, offset: Int, size: Int, link: Int, entry: Int) {
        let header = sections + index * sectionSize
        return (
          u32(header + 4), Int(u64(header + 24)), Int(u64(header + 32)), Int(u32(header + 40)),
          Int(u64(header + 56))
        )
      }
      // Prefer the full symbol table (.symtab, type 2), else the dynamic one (11).
      let tables = (0..<sectionCount).map(section)
      guard let table = tables.first(where: { $0.type == 2 }) ?? tables.first(where: { $0.type == 11 }),
        table.entry >= 24, table.link < sectionCount
      else { return nil }
      let strings = tables[table.link]
      var symbols: [SymbolTable.Symbol] = []
      var position = table.offset
      while position + 24 <= min(bytes.count, table.offset + table.size) {
        let nameOffset = Int(u32(position))
        let info = bytes[position + 4]
        let value = u64(position + 8)
        let size = u64(position + 16)
        position += table.entry
        let type = info & 0xf
        guard type == 1 || type == 2, value != 0 else { continue }  // STT_OBJECT, STT_FUNC
        let start = strings.offset + nameOffset
        guard start < bytes.count, start < strings.offset + strings.size else { continue }
        var end = start
        while end < bytes.count && bytes[end] != 0 { end += 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        if !name.isEmpty {
          symbols.append(SymbolTable.Symbol(value: value, size: size, name: name, isFunction: type == 2))
        }
      }
      return (symbols.sorted { $0.value < $1.value }, firstLoad ?? 0)
    }
  }
}
