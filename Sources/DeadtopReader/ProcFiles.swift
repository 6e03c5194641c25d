import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

// Reading /proc's small files as bytes: a refresh of a 1,000-thread process reads 2,000
// of them, and parsing them as Strings was most of its cost.

/// Calls `body` with the bytes of a /proc file of at most 4 KiB (stat, syscall, comm),
/// read on the stack; nil when it cannot be opened or read.
func withProcFile<T>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return nil }
  defer { close(descriptor) }
  return withFileBytes(descriptor, body)
}

/// The one read of a small /proc file: its first 4 KiB, from its start (`pread`, so an
/// open file kept between snapshots reads afresh), on the stack.
func withFileBytes<T>(_ descriptor: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
  withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
    let count = pread(descriptor, buffer.baseAddress, buffer.count, 0)
    guard count >= 0 else { return nil }
    return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
  }
}

/// The thread ids in an open /proc/<pid>/task directory, in order.
func threadIDs(inTaskDirectory directory: Int32) -> [Int32] {
  let copy = dup(directory)
  guard copy >= 0, let listing = fdopendir(copy) else { return [] }
  defer { closedir(listing) }
  var tids: [Int32] = []
  while let entry = readdir(listing) {
    let tid = withUnsafeBytes(of: entry.pointee.d_name) { name -> Int32? in
      Int32(String(decoding: name.prefix { $0 != 0 }, as: UTF8.self))
    }
    if let tid { tids.append(tid) }
  }
  return tids.sorted()
}

func readText(_ path: String) -> String? {
  withProcFile(path) { String(decoding: $0, as: UTF8.self) }
}

/// A /proc file of any length (maps, stat of a many-core machine): read until its end.
func readWholeText(_ path: String) -> String? {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return nil }
  defer { close(descriptor) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    if count < 0 && errno == EINTR { continue }
    guard count >= 0 else { return nil }
    if count == 0 { break }
    bytes += chunk[..<count]
  }
  return String(decoding: bytes, as: UTF8.self)
}

/// The fields of a thread's /proc stat line that deadtop shows.
struct ThreadStat {
  /// Field 2, between the first "(" and the last ")" (a name may hold either).
  let name: String
  /// Field 3: R, S, D, Z, …
  let state: Character
  /// Fields 14 and 15, in clock ticks.
  let userTicks: UInt64?
  let systemTicks: UInt64?
  /// Field 22: the thread's start in clock ticks after boot.
  let startTicks: UInt64?

  init?(bytes: UnsafeBufferPointer<UInt8>) {
    guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
      let close = bytes.lastIndex(of: UInt8(ascii: ")")),
      open < close
    else { return nil }
    name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close]), as: UTF8.self)
    var words = ProcWords(bytes[(close + 1)...])
    var fields: [ProcWords.Word] = []
    fields.reserveCapacity(20)
    while fields.count < 20, let word = words.next() { fields.append(word) }
    state = fields.first.map { Character(Unicode.Scalar($0.bytes.first!)) } ?? "?"
    userTicks = fields.count > 11 ? fields[11].decimal.map { UInt64($0) } : nil
    systemTicks = fields.count > 12 ? fields[12].decimal.map { UInt64($0) } : nil
    startTicks = fields.count > 19 ? fields[19].decimal.map { UInt64($0) } : nil
  }
}

/// The space-separated words of a /proc line, as byte slices.
struct ProcWords: IteratorProtocol {
  struct Word {
    let bytes: Slice<UnsafeBufferPointer<UInt8>>

    var decimal: Int64? {
      var value: Int64 = 0
      var negative = false
      for (offset, byte) in bytes.enumerated() {
        if offset == 0 && byte == UInt8(ascii: "-") {
          negative = true
          continue
        }
        guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
        value = value &* 10 &+ Int64(byte - UInt8(ascii: "0"))
      }
      return bytes.isEmpty ? nil : negative ? -value : value
    }

    /// `0x7ffd…`: hexadecimal after its 0x.
    var hexadecimal: UInt64? {
      guard bytes.count > 2 else { return nil }
      var value: UInt64 = 0
      for byte in bytes.dropFirst(2) {
        let digit: UInt8
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
        default: return nil
        }
        value = value << 4 | UInt64(digit)
      }
      return value
    }
  }

  private var rest: Slice<UnsafeBufferPointer<UInt8>>

  init(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) { rest = bytes }

  mutating func next() -> Word? {
    while let first = rest.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\n") {
      rest = rest.dropFirst()
    }
    guard !rest.isEmpty else { return nil }
    let end = rest.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") } ?? rest.endIndex
    let word = Word(bytes: rest[rest.startIndex..<end])
    rest = rest[end...]
    return word
  }
}

/// A line of /proc/<pid>/task/<tid>/syscall: the number and six arguments, or a state.
struct Syscall {
  let number: Int
  let arguments: [UInt64]
  /// The thread's stack pointer in the call (after the six arguments).
  let stackPointer: UInt64

  init?(_ line: String) {
    var bytes = Array(line.utf8)
    guard let parsed = bytes.withUnsafeMutableBufferPointer({ Syscall(bytes: UnsafeBufferPointer($0)) })
    else {
      return nil
    }
    self = parsed
  }

  /// From the file's bytes: "202 0x55d0c8a0 0x80 0x2 0x0 0x0 0x0 0x7ffd… 0x7f5e…".
  init?(bytes: UnsafeBufferPointer<UInt8>) {
    var words = ProcWords(bytes[...])
    // "running", or "-1 …" for a thread blocked outside any system call (a zombie too).
    guard let first = words.next(), let number = first.decimal, number >= 0 else { return nil }
    self.number = Int(number)
    var values: [UInt64] = []
    values.reserveCapacity(8)
    while values.count < 8, let word = words.next() { values.append(word.hexadecimal ?? 0) }
    arguments = Array(values.prefix(6))
    stackPointer = values.count > 6 ? values[6] : 0
  }

  static let futex = 202
  /// nanosleep, clock_nanosleep: waits that end by themselves.
  static let sleeps: Set<Int> = [35, 230]

  var isSleep: Bool { Self.sleeps.contains(number) }

  /// FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI.
  var isFutexWait: Bool {
    guard number == Self.futex, arguments.count >= 3 else { return false }
    return [0, 6, 9, 11, 13].contains(arguments[1] & 127)
  }

  func describe() -> String {
    let names = [
      0: "read", 1: "write", 7: "poll", 23: "select", 34: "pause", 35: "nanosleep", 61: "wait4", 202: "futex",
      230: "clock_nanosleep", 232: "epoll_wait", 270: "pselect6", 271: "ppoll", 281: "epoll_pwait",
      43: "accept", 288: "accept4", 45: "recvfrom", 47: "recvmsg",
    ]
    return "in \(names[number] ?? "system call \(number)")"
  }
}

/// A process's per-thread /proc files (stat, syscall), kept open between snapshots: a
/// refresh of 1,000 threads then rereads 2,000 files with `pread` instead of opening
/// each by name, which was half its cost. Holding them open changes nothing for the
/// process. A file whose thread is gone fails its read and is opened afresh (a reused
/// tid is a new file); files of threads no longer listed are closed; and when the
/// descriptors run short, files are opened for one read as before.
final class ThreadFiles {
  struct Key: Hashable {
    let tid: Int32
    let name: String
  }

  private var files: [Key: Int32] = [:]
  /// Descriptors every source together may keep (the exporter reads many processes),
  /// leaving room for everything else deadtop opens, and how many they keep now.
  private static let budget: Int = {
    var limit = rlimit()
    if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur < limit.rlim_max {
      limit.rlim_cur = min(limit.rlim_max, 1 << 16)
      _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
      _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return max(0, Int(clamping: limit.rlim_cur) - 512)
  }()
  private static let kept = Mutex(0)

  deinit { for key in Array(files.keys) { drop(key) } }

  private func drop(_ key: Key) {
    guard let descriptor = files.removeValue(forKey: key) else { return }
    close(descriptor)
    Self.kept.withLock { $0 -= 1 }
  }

  /// Takes one of the shared descriptors, if any is left.
  private static func reserve() -> Bool {
    kept.withLock { count in
      guard count < budget else { return false }
      count += 1
      return true
    }
  }

  /// Calls `body` with the bytes of `name` (`stat`, `syscall`) of thread `tid`, whose
  /// directory is in the open task directory `directory`; nil when it cannot be read.
  func read<T>(_ name: String, of tid: Int32, in directory: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> T?)
    -> T?
  {
    let key = Key(tid: tid, name: name)
    if let descriptor = files[key] {
      if let value = withFileBytes(descriptor, body) { return value }
      drop(key)
    }
    let descriptor = openat(directory, "\(tid)/\(name)", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    let value = withFileBytes(descriptor, body)
    if value != nil && Self.reserve() {
      files[key] = descriptor
    } else {
      let saved = errno
      close(descriptor)
      errno = saved
    }
    return value
  }

  /// Closes the files of threads not in `tids`.
  func keep(_ tids: Set<Int32>) {
    for key in files.keys where !tids.contains(key.tid) { drop(key) }
  }
}
