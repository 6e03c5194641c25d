/// A Java thread dump as `jstack` (with or without `-l`), `jcmd PID Thread.print` or a
/// SIGQUIT prints it. Monitors and `java.util.concurrent` locks name their owners (the
/// `- locked` lines, `Locked ownable synchronizers`, and the JVM's own "Found one
/// Java-level deadlock" section), so a cycle among them is proven, as deadtop proves
/// one among mutexes.
public struct JavaThreadDump: Sendable, Equatable {
  public struct Frame: Sendable, Equatable {
    /// `Deadlock.lambda$main$0`.
    public var method: String
    /// `Deadlock.java`, or nil for a native or unknown source.
    public var file: String?
    public var line: UInt32
  }

  public enum LockLine: Sendable, Equatable {
    case waitingToLock(String)
    case locked(String)
    /// `Object.wait()`: released while waiting.
    case waitingOn(String)
    case parkingFor(String)
  }

  public struct Thread: Sendable, Equatable {
    public var name: String
    /// `#12`: the JVM's thread number.
    public var number: UInt64?
    /// The kernel's thread id (`nid`).
    public var nativeID: Int32?
    public var daemon: Bool
    /// `java.lang.Thread.State`: `BLOCKED (on object monitor)`, `WAITING (parking)`.
    public var state: String?
    /// Innermost first.
    public var frames: [Frame]
    /// Each with the index of the frame it is printed under.
    public var locks: [(line: LockLine, frame: Int)]
    /// Addresses of the `java.util.concurrent` locks it owns (`jstack -l`).
    public var ownedSynchronizers: [String]
    /// The class of each address it locks or waits on: `java.lang.Object`.
    public var classes: [String: String]

    public static func == (a: Thread, b: Thread) -> Bool {
      a.name == b.name && a.number == b.number && a.nativeID == b.nativeID && a.state == b.state
        && a.frames == b.frames && a.ownedSynchronizers == b.ownedSynchronizers
        && a.locks.elementsEqual(b.locks) { $0.line == $1.line && $0.frame == $1.frame }
    }
  }

  public var threads: [Thread]
  /// Owners the JVM's deadlock section names: object address to thread name.
  public var owners: [String: String]

  public static func recognizes(_ text: Substring) -> Bool {
    text.contains("java.lang.Thread.State:") || text.contains("Full thread dump")
  }

  public init(parsing text: String) throws {
    var threads: [Thread] = []
    var owners: [String: String] = [:]
    var current: Thread?
    var inDeadlockSection = false
    var waitedObject: String?
    var inOwnable = false
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      if line.hasPrefix("Found one Java-level deadlock")
        || line.hasPrefix("Found ") && line.contains("deadlock")
      {
        if let finished = current { threads.append(finished) }
        current = nil
        inDeadlockSection = true
        continue
      }
      if inDeadlockSection {
        // `"transfer":`, `  waiting to lock monitor 0x… (object 0xADDR, a X),`,
        // `  waiting for ownable synchronizer 0xADDR, (a …),`, `  which is held by "NAME"`.
        if line.contains("(object 0x"), let range = line.range(of: "(object ") {
          waitedObject = line[range.upperBound...].split(separator: ",").first.map(String.init)
        } else if line.contains("ownable synchronizer 0x"), let range = line.range(of: "synchronizer ") {
          waitedObject = line[range.upperBound...].split(separator: ",").first.map(String.init)
        } else if line.contains("which is held by \""), let object = waitedObject {
          let name = line.split(separator: "\"", omittingEmptySubsequences: false).dropFirst().first
          if let name { owners[Self.normalized(object)] = String(name) }
          waitedObject = nil
        }
        continue
      }
      if let header = Self.header(of: line) {
        if let finished = current { threads.append(finished) }
        current = header
        inOwnable = false
        continue
      }
      guard current != nil else { continue }
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      if trimmed.hasPrefix("java.lang.Thread.State: ") {
        current?.state = String(trimmed.dropFirst("java.lang.Thread.State: ".count))
      } else if trimmed.hasPrefix("at ") {
        if let frame = Self.frame(trimmed.dropFirst(3)) { current?.frames.append(frame) }
      } else if trimmed.hasPrefix("- ") {
        let rest = trimmed.dropFirst(2)
        if inOwnable {
          if let address = Self.address(in: rest) { current?.ownedSynchronizers.append(address) }
          continue
        }
        let frame = max(0, (current?.frames.count ?? 1) - 1)
        guard let address = Self.address(in: rest) else { continue }
        if let className = Self.className(in: rest) { current?.classes[address] = className }
        let lockLine: LockLine? =
          rest.hasPrefix("waiting to lock") || rest.hasPrefix("waiting to re-lock")
          ? .waitingToLock(address)
          : rest.hasPrefix("locked")
            ? .locked(address)
            : rest.hasPrefix("waiting on")
              ? .waitingOn(address)
              : rest.hasPrefix("parking to wait for") ? .parkingFor(address) : nil
        if let lockLine { current?.locks.append((lockLine, frame)) }
      } else if trimmed.hasPrefix("Locked ownable synchronizers:") {
        inOwnable = true
      } else if line.isEmpty {
        inOwnable = false
      }
    }
    if let finished = current { threads.append(finished) }
    guard !threads.isEmpty else { throw DumpError.notADump("no thread in it") }
    self.threads = threads
    self.owners = owners
  }

  /// `"transfer" #12 prio=5 os_prio=0 … nid=0x6b91 waiting for monitor entry  [0x…]`.
  static func header(of line: Substring) -> Thread? {
    guard line.hasPrefix("\""), let close = line.dropFirst().firstIndex(of: "\"") else { return nil }
    let name = String(line[line.index(after: line.startIndex)..<close])
    let rest = line[line.index(after: close)...]
    guard rest.hasPrefix(" ") else { return nil }  // `"name":` lines belong to other sections
    let fields = rest.split(separator: " ")
    var number: UInt64?
    var nativeID: Int32?
    for field in fields {
      if field.hasPrefix("#"), let value = UInt64(field.dropFirst()) { number = value }
      if field.hasPrefix("nid=") {
        let value = field.dropFirst(4)
        nativeID = value.hasPrefix("0x") ? Int32(value.dropFirst(2), radix: 16) : Int32(value)
      }
    }
    return Thread(
      name: name, number: number, nativeID: nativeID, daemon: fields.contains("daemon"), state: nil,
      frames: [],
      locks: [], ownedSynchronizers: [], classes: [:])
  }

  /// `Deadlock.lambda$main$0(Deadlock.java:8)`, `java.lang.Thread.run(java.base@17/Thread.java:840)`.
  static func frame(_ text: Substring) -> Frame? {
    guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return nil }
    let method = String(text[..<open])
    let source = text[text.index(after: open)..<text.index(before: text.endIndex)]
    let location = source.split(separator: "/").last ?? source
    if let colon = location.lastIndex(of: ":"), let line = UInt32(location[location.index(after: colon)...]) {
      return Frame(method: method, file: String(location[..<colon]), line: line)
    }
    return Frame(method: method, file: nil, line: 0)
  }

  /// `<0x000000069ec196a0>`.
  static func address(in text: Substring) -> String? {
    guard let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") else {
      return nil
    }
    return normalized(text[text.index(after: open)..<close])
  }

  /// `(a java.lang.Object)`.
  static func className(in text: Substring) -> String? {
    guard let range = text.range(of: "(a "), let close = text[range.upperBound...].firstIndex(of: ")") else {
      return nil
    }
    return String(text[range.upperBound..<close])
  }

  /// Addresses as one spelling: lower-case hex without leading zeros.
  static func normalized(_ address: some StringProtocol) -> String {
    let lower = address.lowercased()
    let digits = lower.hasPrefix("0x") ? lower.dropFirst(2) : Substring(lower)
    let trimmed = digits.drop { $0 == "0" }
    return "0x" + (trimmed.isEmpty ? "0" : String(trimmed))
  }
}
