import CFatalSignals
import DeadtopABI
import DeadtopCore
import DeadtopReader
import DeadtopSegment
import Foundation
import Testing

/// A segment image built by hand, to feed the reader what a broken or hostile writer might.
struct SegmentImage {
  var bytes: [UInt8]
  static let headerSize = MemoryLayout<dt_header>.stride
  static let tasks = 8
  static let resources = 8
  static let sites = 8
  static let strings = 256

  static var offsets: (tasks: Int, resources: Int, sites: Int, strings: Int, end: Int) {
    let tasksOffset = 512
    let resourcesOffset = tasksOffset + tasks * MemoryLayout<dt_task_slot>.stride
    let sitesOffset = resourcesOffset + resources * MemoryLayout<dt_resource_slot>.stride
    let stringsOffset = sitesOffset + sites * MemoryLayout<dt_site>.stride
    return (tasksOffset, resourcesOffset, sitesOffset, stringsOffset, stringsOffset + strings)
  }

  /// A valid segment for `pid` with one task ("worker", holding mutex "m") in it.
  init(pid: Int32) {
    let layout = Self.offsets
    bytes = [UInt8](repeating: 0, count: layout.end)
    var header = dt_header()
    header.magic = DT_MAGIC
    header.abi_version = DT_ABI_VERSION
    header.header_size = UInt32(Self.headerSize)
    header.segment_size = UInt64(layout.end)
    header.ready = 1
    header.pid = pid
    withUnsafeMutableBytes(of: &header.tables) { tables in
      let entries: [(Int, Int, Int, Int)] = [
        (DT_TABLE_TASKS, layout.tasks, MemoryLayout<dt_task_slot>.stride, Self.tasks),
        (DT_TABLE_RESOURCES, layout.resources, MemoryLayout<dt_resource_slot>.stride, Self.resources),
        (DT_TABLE_SITES, layout.sites, MemoryLayout<dt_site>.stride, Self.sites),
        (DT_TABLE_STRINGS, layout.strings, 1, Self.strings),
      ]
      for (index, offset, slotSize, capacity) in entries {
        tables.storeBytes(
          of: dt_table(offset: UInt64(offset), slot_size: UInt32(slotSize), capacity: UInt32(capacity)),
          toByteOffset: Int(index) * 16, as: dt_table.self)
      }
    }
    // Strings: "worker" at offset 4 (reference 5), "m" after it.
    var strings = [UInt8](repeating: 0, count: StringTable.firstOffset)
    func add(_ text: String) -> UInt32 {
      let reference = UInt32(strings.count + 1)
      strings += StringTable.entry(for: text)
      return reference
    }
    let worker = add("worker")
    let mutexName = add("m")
    let file = add("App/Main.swift")
    header.strings_used = UInt64(strings.count)
    header.sites_used = 1
    store(header, at: 0)
    bytes.replaceSubrange(layout.strings..<(layout.strings + strings.count), with: strings)
    store(
      dt_site(file: file, function: 0, line: 12, reserved: 0, contended: 0, wait_total_ns: 0, wait_max_ns: 0),
      at: layout.sites)
    var task = dt_task_slot()
    task.state = UInt32(DT_TASK_RUNNING)
    task.id = 1
    task.tid = pid
    task.name = worker
    task.held_count = 1
    task.held.0 = dt_hold(resource: 7, site: 1, mode: UInt32(DT_HOLD_EXCLUSIVE), lock_class: 0, reserved: 0)
    store(task, at: layout.tasks)
    var resource = dt_resource_slot()
    resource.kind = UInt32(DT_RESOURCE_MUTEX)
    resource.id = 7
    resource.name = mutexName
    store(resource, at: layout.resources)
  }

  mutating func store<T>(_ value: T, at offset: Int) {
    withUnsafeBytes(of: value) { raw in
      bytes.replaceSubrange(offset..<(offset + raw.count), with: raw)
    }
  }

  mutating func header(_ change: (inout dt_header) -> Void) {
    var header = bytes.withUnsafeBytes { $0.loadUnaligned(as: dt_header.self) }
    change(&header)
    store(header, at: 0)
  }

  /// Writes the image to a fresh file and returns its path.
  func write() throws -> String {
    let path = NSTemporaryDirectory() + "deadtop-test-\(UUID().uuidString)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }
}

func open(_ image: SegmentImage) throws -> SegmentSource {
  let path = try image.write()
  defer { unlink(path) }
  return try SegmentSource(path: path)
}

func attachError(_ image: SegmentImage) throws -> AttachError? {
  do {
    _ = try open(image)
    return nil
  } catch let error as AttachError {
    return error
  }
}

@Suite struct SegmentValidationTests {
  @Test func aValidImageReads() throws {
    let snapshot = try open(SegmentImage(pid: 4242)).snapshot()
    #expect(snapshot.process.pid == 4242)
    #expect(snapshot.tasks.map(\.name) == ["worker"])
    #expect(
      snapshot.tasks[0].holds == [
        Hold(resource: 7, mode: .exclusive, site: CallSite(file: "App/Main.swift", line: 12, function: ""))
      ])
    #expect(snapshot.resources.map(\.name) == ["m"])
  }

  @Test func badMagicIsNotADeadtopSegment() throws {
    var image = SegmentImage(pid: 1)
    image.header { $0.magic = 0x1234 }
    let error = try attachError(image)
    #expect(error?.description.contains("not a deadtop segment") == true)
  }

  @Test func aNewerABIVersionAsksForAnUpgrade() throws {
    var image = SegmentImage(pid: 1)
    image.header { $0.abi_version = 99 }
    let error = try #require(try attachError(image))
    guard case .unsupportedVersion(_, let found, let supported) = error else {
      Issue.record("expected unsupportedVersion, got \(error)")
      return
    }
    #expect(found == 99)
    #expect(supported == DT_ABI_VERSION)
    #expect(error.description.contains("upgrade deadtop"))
  }

  @Test func aHeaderNotYetReadyIsReportedAsSuch() throws {
    var image = SegmentImage(pid: 1)
    image.header { $0.ready = 0 }
    guard case .notReady? = try attachError(image) else {
      Issue.record("expected notReady")
      return
    }
  }

  @Test func tablesOutsideTheSegmentAreRejected() throws {
    for table in [DT_TABLE_TASKS, DT_TABLE_RESOURCES, DT_TABLE_SITES, DT_TABLE_STRINGS] {
      var image = SegmentImage(pid: 1)
      image.header { header in
        withUnsafeMutableBytes(of: &header.tables) { tables in
          var entry = tables.load(fromByteOffset: Int(table) * 16, as: dt_table.self)
          entry.capacity = UInt32.max
          tables.storeBytes(of: entry, toByteOffset: Int(table) * 16, as: dt_table.self)
        }
      }
      let error = try attachError(image)
      #expect(error?.description.contains("lies outside the segment") == true, "table \(table)")
    }
  }

  @Test func aSegmentClaimingMoreThanTheFileIsRejected() throws {
    var image = SegmentImage(pid: 1)
    image.header { $0.segment_size = 1 << 40 }
    #expect(try attachError(image)?.description.contains("claims") == true)
  }

  @Test func aTruncatedFileIsRejected() throws {
    var image = SegmentImage(pid: 1)
    image.bytes = Array(image.bytes.prefix(100))
    #expect(try attachError(image)?.description.contains("too small") == true)
  }

  @Test func hostileSlotContentsNeverCrashTheReader() throws {
    var image = SegmentImage(pid: 1)
    var task = dt_task_slot()
    task.state = UInt32(DT_TASK_BLOCKED)
    task.id = 2
    task.name = 0xFFFF_FFF0  // far outside the strings
    task.wait_kind = 77  // unknown
    task.wait_site = 9999
    task.held_count = 1_000_000  // more than the slot can hold
    task.spawn_site = 5
    image.store(task, at: SegmentImage.offsets.tasks + MemoryLayout<dt_task_slot>.stride)
    // A string whose length runs past the published bytes.
    image.store(UInt32(100_000).littleEndian, at: SegmentImage.offsets.strings + 4)
    let snapshot = try open(image).snapshot()
    let hostile = try #require(snapshot.tasks.first { $0.id == 2 })
    #expect(hostile.name == "task 2")
    #expect(hostile.holds.count == Int(DT_MAX_HELD))
    #expect(hostile.wait == nil)
    #expect(snapshot.task(1)?.name == "task 1")
  }

  @Test func randomCorruptionIsRejectedOrReadButNeverCrashes() throws {
    var generator = SystemRandomNumberGenerator()
    let pristine = SegmentImage(pid: 1)
    for _ in 0..<300 {
      var image = pristine
      for _ in 0..<Int.random(in: 1...32, using: &generator) {
        let offset = Int.random(in: 0..<image.bytes.count, using: &generator)
        image.bytes[offset] = UInt8.random(in: 0...255, using: &generator)
      }
      if let source = try? open(image) {
        let snapshot = try source.snapshot()
        _ = Analysis(snapshot)
        _ = TextReport.render(Analysis(snapshot))
      }
    }
  }

  @Test func aSlotThatNeverSettlesKeepsItsPreviousCopy() throws {
    // The writer died mid-update: the sequence stays odd.
    var image = SegmentImage(pid: 1)
    let path = try image.write()
    defer { unlink(path) }
    let source = try SegmentSource(path: path)
    #expect(try source.snapshot().task(1)?.stale == false)
    image.store(UInt32(1), at: SegmentImage.offsets.tasks)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.write(contentsOf: Data(image.bytes))
    try handle.close()
    let snapshot = try source.snapshot()
    #expect(snapshot.task(1)?.stale == true)
    #expect(snapshot.task(1)?.name == "worker")
    #expect(snapshot.warnings.contains { $0.contains("changed while being read") })
  }
}

@Suite struct StringTableTests {
  @Test func anEntryIsItsLengthThenItsBytesPaddedToFour() {
    #expect(StringTable.entry(for: "worker") == [6, 0, 0, 0] + Array("worker".utf8) + [0, 0])
    #expect(StringTable.entry(for: "abcd") == [4, 0, 0, 0] + Array("abcd".utf8))
    #expect(StringTable.entry(for: "") == [0, 0, 0, 0])
  }

  @Test func aReferencePastWhatIsPublishedReadsAsNothing() {
    let table = [0, 0, 0, 0] + StringTable.entry(for: "worker")
    table.withUnsafeBytes { bytes in
      let base = bytes.baseAddress!
      #expect(StringTable.read(5, table: base, used: UInt64(table.count)) == "worker")
      #expect(StringTable.read(5, table: base, used: 8) == nil, "the bytes are not all published")
      #expect(StringTable.read(0, table: base, used: UInt64(table.count)) == nil)
      #expect(StringTable.read(99, table: base, used: UInt64(table.count)) == nil)
    }
  }
}

@Suite struct ShrinkingSegmentTests {
  /// A file truncated under a read-only mapping: a read past the new end would be a
  /// SIGBUS; the guard turns the page into zeros and counts it.
  @Test func aReadPastTheNewEndIsCountedNotFatal() throws {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let path = NSTemporaryDirectory() + "deadtop-shrink-\(getpid())"
    try Data(repeating: 7, count: 3 * page).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    let mapped = try #require(mmap(nil, 3 * page, PROT_READ, MAP_SHARED, descriptor, 0))
    defer { munmap(mapped, 3 * page) }
    #expect(dtf_watch_mapping(mapped, 3 * page) == 0)
    defer { dtf_unwatch_mapping(mapped) }
    #expect(mapped.load(fromByteOffset: 2 * page, as: UInt8.self) == 7)
    #expect(truncate(path, off_t(page)) == 0)
    #expect(mapped.load(fromByteOffset: 0, as: UInt8.self) == 7, "the first page is still the file")
    #expect(mapped.load(fromByteOffset: 2 * page, as: UInt8.self) == 0, "past the end: zeros, no SIGBUS")
    #expect(dtf_mapping_faults(mapped) == 1)
  }

  @Test func aSegmentThatShrankSaysSoAndStaysStopped() throws {
    let image = SegmentImage(pid: getpid())
    let path = NSTemporaryDirectory() + "deadtop-shrunk-\(getpid())"
    try Data(image.bytes + [UInt8](repeating: 0, count: 8192)).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    let source = try SegmentSource(path: path)
    _ = try source.snapshot()
    #expect(truncate(path, 4096) == 0)
    #expect(throws: AttachError.self) { try source.snapshot() }
    do {
      _ = try source.snapshot()
      Issue.record("a shrunk segment read again")
    } catch let error as AttachError {
      #expect(error.description.contains("shrank from"))
      #expect(error.description.contains("to 4096 bytes"))
    }
  }
}
