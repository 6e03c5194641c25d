import DeadtopCore

/// Where a blocked thread waits in the program's own code, found without stopping it:
/// the first word of its live stack (from the stack pointer up) that is an address in a
/// function of the program (its executable or its own libraries; not libc, not Swift's
/// runtime or Foundation). A scan, not an unwind: it names the innermost own function
/// on the stack, which is where the wait was called unless a stale address lies closer;
/// `--stacks` gives the exact stack. Found once per wait episode.
/// This file and SwiftSymbols are the reader's only symbolization of code.
struct WaitSites {
  private var known: [ProcSource.WaitKey: CallSite?] = [:]
  /// Bytes of stack read per new wait: the frames of libc, Foundation and libdispatch
  /// between the system call and the caller fit in far less.
  static let stackBytes = 8192

  mutating func site(
    of key: ProcSource.WaitKey, stackPointer: UInt64, memory: ProcessMemory?, symbols: inout SymbolTable
  ) -> CallSite? {
    if let site = known[key] { return site }
    var site: CallSite?
    if let memory, stackPointer != 0, let words = memory.words(at: stackPointer, upTo: Self.stackBytes) {
      for word in words {
        guard let path = symbols.ownCodeFile(at: word) else { continue }
        // A return address points after a call, inside its function; a function's start
        // is a pointer passed along (swift_once's initializer), not a frame.
        guard let function = symbols.function(at: word), function.offset > 0 else { continue }
        let file = path.split(separator: "/").last.map(String.init) ?? path
        site = CallSite(file: file, line: 0, function: SwiftSymbols.readable(function.name))
        break
      }
    }
    known[key] = site
    return site
  }

  /// Only the sites of waits still going on are kept.
  mutating func keep(_ seen: Set<ProcSource.WaitKey>) { known = known.filter { seen.contains($0.key) } }
}
