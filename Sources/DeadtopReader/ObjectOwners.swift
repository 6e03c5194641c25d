import Foundation

/// Names a lock that lives on the heap by the global variable that reaches it: a
/// Foundation `NSLock`, `NSRecursiveLock` or `NSCondition` keeps its pthread mutex in a
/// separate allocation that the object points to (just after the object header); a C
/// program may keep a `pthread_mutex_t *` in a global. `lock : NSLock` reads better than
/// `0x55e1… in [heap]`. Only the program's own pointer-sized globals are tried, once per
/// address.
struct ObjectOwners {
  private var known: [UInt64: String?] = [:]
  private var globals: [(name: String, address: UInt64)]?
  /// Where an object's first stored properties are: after the Swift heap object header
  /// (metadata, reference counts), an NSLock's mutex pointer, an NSCondition's mutex, and
  /// the next two in case of a subclass's.
  static let fieldOffsets: [UInt64] = [16, 24, 32]

  mutating func owner(of address: UInt64, memory: ProcessMemory, symbols: inout SymbolTable) -> String? {
    if let name = known[address] { return name }
    if globals == nil { globals = symbols.ownPointerGlobals() }
    var found: String?
    for global in globals ?? [] {
      guard let pointer = memory.uint64(at: global.address), pointer != 0, pointer % 8 == 0 else { continue }
      if pointer == address
        || Self.fieldOffsets.contains(where: { memory.uint64(at: pointer + $0) == address })
      {
        // `lock : Foundation.NSLock` reads as `lock (NSLock)`.
        let parts = SwiftSymbols.readable(global.name).components(separatedBy: " : ")
        let type = parts.count == 2 ? parts[1].replacing(#/^(?:Foundation|Dispatch)\./#, with: "") : nil
        found = type.map { "\(parts[0]) (\($0))" } ?? parts[0]
        break
      }
    }
    known[address] = .some(found)
    return found
  }
}
