/// A Go goroutine dump as the Go runtime prints it: `/debug/pprof/goroutine?debug=2`, a
/// SIGQUIT or `panic` traceback (`GOTRACEBACK=all`), the "all goroutines are asleep"
/// fatal error. Parsed as text, line by line; nothing in it is trusted to be well formed.
public struct GoroutineDump: Sendable, Equatable {
  public struct Frame: Sendable, Equatable {
    /// `main.leak`, `sync.(*Mutex).Lock`.
    public var function: String
    /// What the traceback prints between the parentheses: `0xc0000180a8, 0x0?`, `...`.
    public var arguments: String
    public var file: String
    public var line: UInt32
  }

  public struct Goroutine: Sendable, Equatable {
    public var id: UInt64
    /// The wait reason or state: `chan receive`, `semacquire`, `select (no cases)`,
    /// `running`, `IO wait`.
    public var state: String
    /// Blocked at least this many minutes (the runtime prints it from one minute on).
    public var minutes: Int?
    public var lockedToThread: Bool
    /// Innermost first.
    public var frames: [Frame]
    /// The `go` statement that started it: the function that ran it and where.
    public var createdBy: Frame?
    /// The goroutine that ran that `go` statement (Go 1.21 and later say).
    public var parent: UInt64?
  }

  /// The line that says why the dump was printed (`fatal error: all goroutines are asleep
  /// - deadlock!`, `panic: …`, `SIGQUIT: quit`), if any.
  public var reason: String?
  public var goroutines: [Goroutine]

  /// The Go runtime's own verdict that no goroutine can ever run again.
  public var allAsleep: Bool { reason?.contains("all goroutines are asleep") == true }

  /// Whether `text` looks like a goroutine dump (a header line of one).
  public static func recognizes(_ text: Substring) -> Bool {
    text.split(separator: "\n", maxSplits: 64, omittingEmptySubsequences: true).prefix(64).contains {
      header(of: $0) != nil
    }
  }

  public init(parsing text: String) throws {
    var goroutines: [Goroutine] = []
    var reason: String?
    var current: Goroutine?
    var pendingFunction: (name: String, arguments: String, createdBy: Bool, parent: UInt64?)?
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      if let header = Self.header(of: line) {
        if let finished = current { goroutines.append(finished) }
        current = header
        pendingFunction = nil
        continue
      }
      guard current != nil else {
        if reason == nil, let text = Self.reasonLine(line) { reason = text }
        continue
      }
      if line.isEmpty {
        if let finished = current { goroutines.append(finished) }
        current = nil
        pendingFunction = nil
        continue
      }
      if line.first == "\t" {
        // `\t/path/file.go:12 +0x1b`: where the function on the line before is.
        guard let pending = pendingFunction, let location = Self.location(line.dropFirst()) else { continue }
        let frame = Frame(
          function: pending.name, arguments: pending.arguments, file: location.file, line: location.line)
        if pending.createdBy {
          current?.createdBy = frame
          current?.parent = pending.parent
        } else {
          current?.frames.append(frame)
        }
        pendingFunction = nil
        continue
      }
      if line.hasPrefix("created by ") {
        // `created by main.main in goroutine 1` (the goroutine part since Go 1.21).
        var rest = line.dropFirst("created by ".count)
        var parent: UInt64?
        if let range = rest.range(of: " in goroutine ") {
          parent = UInt64(rest[range.upperBound...])
          rest = rest[..<range.lowerBound]
        }
        pendingFunction = (String(rest), "", true, parent)
        continue
      }
      if line.hasPrefix("...") { continue }  // `...additional frames elided...`
      pendingFunction = Self.call(line).map { ($0.name, $0.arguments, false, nil) }
    }
    if let finished = current { goroutines.append(finished) }
    guard !goroutines.isEmpty else { throw DumpError.notADump("no goroutine in it") }
    self.reason = reason
    self.goroutines = goroutines
  }

  /// `goroutine 6 [chan receive, 3 minutes]:`, also with Go 1.23's `gp=… m=…` fields.
  static func header(of line: Substring) -> Goroutine? {
    guard line.hasPrefix("goroutine "), line.hasSuffix("]:"), let open = line.firstIndex(of: "[") else {
      return nil
    }
    let fields = line[line.index(line.startIndex, offsetBy: "goroutine ".count)..<open]
    guard let id = fields.split(separator: " ").first.flatMap({ UInt64($0) }) else { return nil }
    let inside = line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)]
    var parts = inside.split(separator: ",").map { String($0.drop { $0 == " " }) }
    var minutes: Int?
    var locked = false
    parts.removeAll { part in
      if part == "locked to thread" {
        locked = true
        return true
      }
      let words = part.split(separator: " ")
      if words.count == 2, words[1].hasPrefix("minute"), let value = Int(words[0]) {
        minutes = value
        return true
      }
      return false
    }
    return Goroutine(
      id: id, state: parts.joined(separator: ", "), minutes: minutes, lockedToThread: locked, frames: [],
      createdBy: nil, parent: nil)
  }

  /// `main.leak(0x0?)`, `sync.(*Mutex).Lock(...)`: the function and its arguments.
  static func call(_ line: Substring) -> (name: String, arguments: String)? {
    guard line.hasSuffix(")"), let open = line.lastIndex(of: "(") else {
      return line.isEmpty ? nil : (String(line), "")
    }
    // A method's receiver has parentheses of its own: the arguments are the last pair.
    return (String(line[..<open]), String(line[line.index(after: open)..<line.index(before: line.endIndex)]))
  }

  /// `/tmp/godump/main.go:11 +0x1b`.
  static func location(_ text: Substring) -> (file: String, line: UInt32)? {
    let path = text.split(separator: " ").first ?? text
    guard let colon = path.lastIndex(of: ":"), let line = UInt32(path[path.index(after: colon)...]) else {
      return nil
    }
    return (String(path[..<colon]), line)
  }

  static func reasonLine(_ line: Substring) -> String? {
    for prefix in ["fatal error: ", "panic: ", "SIGQUIT", "SIGABRT", "SIGSEGV", "SIGTRAP"]
    where line.hasPrefix(prefix) {
      return String(line)
    }
    return nil
  }
}

/// Why a dump could not be read.
public enum DumpError: Error, Equatable, CustomStringConvertible {
  case notADump(String)
  case unreadable(path: String, reason: String)

  public var description: String {
    switch self {
    case .notADump(let why): "not a Go goroutine dump or a Java thread dump (\(why))"
    case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
    }
  }
}
