import DeadtopABI
import DeadtopRuntimeC
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// The writer's side of the shared-memory segment: created once per process on first
/// use of the runtime, `/dev/shm/deadtop.<pid>`, mode 0600, unlinked at normal exit.
/// If it cannot be created the same layout lives in private memory, so the primitives
/// work the same and nothing is published.
struct Segment: @unchecked Sendable {
  let base: UnsafeMutableRawPointer
  let size: Int
  /// The shm name when the segment is published, nil when private.
  let publishedName: String?
  let taskCapacity: Int
  let resourceCapacity: Int
  let siteCapacity: Int
  let stringCapacity: Int
  let edgeCapacity: Int
  let schedtraceCapacity: Int
  let eventCapacity: Int

  var header: UnsafeMutablePointer<dt_header> { base.assumingMemoryBound(to: dt_header.self) }
  var tasks: UnsafeMutablePointer<dt_task_slot> { table(DT_TABLE_TASKS, dt_task_slot.self) }
  var resources: UnsafeMutablePointer<dt_resource_slot> {
    table(DT_TABLE_RESOURCES, dt_resource_slot.self)
  }
  var sites: UnsafeMutablePointer<dt_site> { table(DT_TABLE_SITES, dt_site.self) }
  var edges: UnsafeMutablePointer<dt_edge> { table(DT_TABLE_EDGES, dt_edge.self) }
  var schedtrace: UnsafeMutablePointer<dt_sched_record> { table(DT_TABLE_SCHEDTRACE, dt_sched_record.self) }
  var events: UnsafeMutablePointer<dt_event> { table(DT_TABLE_EVENTS, dt_event.self) }
  var strings: UnsafeMutableRawPointer {
    base + Int(tableDescriptor(DT_TABLE_STRINGS).offset)
  }

  private func tableDescriptor(_ index: Int) -> dt_table {
    withUnsafeBytes(of: header.pointee.tables) { $0.load(fromByteOffset: index * 16, as: dt_table.self) }
  }

  private func table<T>(_ index: Int, _: T.Type) -> UnsafeMutablePointer<T> {
    (base + Int(tableDescriptor(index).offset)).assumingMemoryBound(to: T.self)
  }

  static func createForCurrentProcess() -> Segment {
    let environment = Environment()
    let capacities = (
      tasks: environment.integer("DEADTOP_MAX_TASKS", default: 1024, range: 16...65536),
      resources: environment.integer("DEADTOP_MAX_RESOURCES", default: 4096, range: 16...1_048_576),
      sites: environment.integer("DEADTOP_MAX_SITES", default: 4096, range: 16...65536),
      strings: environment.integer("DEADTOP_STRING_BYTES", default: 262_144, range: 4096...16_777_216),
      edges: environment.integer("DEADTOP_MAX_EDGES", default: 1024, range: 16...65536),
      schedtrace: environment.integer("DEADTOP_SCHEDTRACE_RECORDS", default: 256, range: 4...65536),
      events: environment.integer("DEADTOP_EVENTS", default: 4096, range: 16...1_048_576)
    )
    var layout: [(index: Int, slotSize: Int, capacity: Int)] = [
      (Int(DT_TABLE_TASKS), MemoryLayout<dt_task_slot>.stride, capacities.tasks),
      (Int(DT_TABLE_RESOURCES), MemoryLayout<dt_resource_slot>.stride, capacities.resources),
      (Int(DT_TABLE_SITES), MemoryLayout<dt_site>.stride, capacities.sites),
      (Int(DT_TABLE_STRINGS), 1, capacities.strings),
      (Int(DT_TABLE_EDGES), MemoryLayout<dt_edge>.stride, capacities.edges),
      (Int(DT_TABLE_SCHEDTRACE), MemoryLayout<dt_sched_record>.stride, capacities.schedtrace),
      (Int(DT_TABLE_EVENTS), MemoryLayout<dt_event>.stride, capacities.events),
    ]
    layout.sort { $0.index < $1.index }
    var offset = align(MemoryLayout<dt_header>.stride, to: 64)
    var descriptors = [dt_table](repeating: dt_table(), count: Int(DT_TABLE_COUNT))
    for table in layout {
      descriptors[table.index] = dt_table(
        offset: UInt64(offset), slot_size: UInt32(table.slotSize), capacity: UInt32(table.capacity))
      offset = align(offset + table.slotSize * table.capacity, to: 64)
    }
    let size = align(offset, to: 4096)

    let pid = getpid()
    var publishedName: String? = nil
    var base: UnsafeMutableRawPointer?
    if environment.string("DEADTOP_DISABLE") != "1" {
      let name = SegmentName.shmName(pid: pid)
      if let mapped = createShared(name: name, size: size) {
        base = mapped
        publishedName = name
      }
    }
    if base == nil {
      let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
      guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
        fatalError("deadtop runtime: cannot allocate \(size) bytes for its tables")
      }
      base = mapped
    }
    let segment = Segment(
      base: base!, size: size, publishedName: publishedName, taskCapacity: capacities.tasks,
      resourceCapacity: capacities.resources, siteCapacity: capacities.sites,
      stringCapacity: capacities.strings, edgeCapacity: capacities.edges,
      schedtraceCapacity: capacities.schedtrace, eventCapacity: capacities.events)

    let header = segment.header
    header.pointee.magic = DT_MAGIC
    header.pointee.abi_version = DT_ABI_VERSION
    header.pointee.header_size = UInt32(MemoryLayout<dt_header>.stride)
    header.pointee.segment_size = UInt64(size)
    header.pointee.pid = pid
    header.pointee.start_time = processStartTime() ?? 0
    header.pointee.clock_base_monotonic_ns = processStartMonotonic() ?? dt_monotonic_ns()
    header.pointee.clock_base_realtime_ns = dt_realtime_ns()
    withUnsafeMutableBytes(of: &header.pointee.tables) { bytes in
      for (index, descriptor) in descriptors.enumerated() {
        bytes.storeBytes(of: descriptor, toByteOffset: index * 16, as: dt_table.self)
      }
    }
    let name = Array(processName().utf8.prefix(Int(DT_NAME_BYTES) - 1))
    withUnsafeMutableBytes(of: &header.pointee.process_name) { bytes in
      bytes.copyBytes(from: name)
    }
    // Readers check `ready` first: everything above is visible once it reads 1.
    dt_store_release_u32(&header.pointee.ready, 1)
    if publishedName != nil { atexit(unlinkPublishedSegment) }
    return segment
  }

  /// Creates the shm object exclusively. One left by an earlier process with this pid
  /// is stale (that process is gone, or we would not have its pid) and is replaced.
  private static func createShared(name: String, size: Int) -> UnsafeMutableRawPointer? {
    var descriptor = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
    if descriptor < 0 && errno == EEXIST {
      shm_unlink(name)
      descriptor = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
    }
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    guard ftruncate(descriptor, off_t(size)) == 0 else {
      shm_unlink(name)
      return nil
    }
    let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
    guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
      shm_unlink(name)
      return nil
    }
    return mapped
  }

  private static func align(_ value: Int, to alignment: Int) -> Int {
    (value + alignment - 1) / alignment * alignment
  }
}

/// Runs at normal exit. A forked child inherits the handler but not the segment.
private func unlinkPublishedSegment() {
  let segment = Runtime.shared.segment
  guard let name = segment.publishedName, segment.header.pointee.pid == getpid() else { return }
  shm_unlink(name)
}

/// The environment, read once; the runtime's knobs all start with DEADTOP_.
struct Environment {
  func string(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  func integer(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
    guard let text = string(name), let parsed = Int(text) else { return value }
    return min(max(parsed, range.lowerBound), range.upperBound)
  }
}

/// The process start on the monotonic clock, so uptime is measured from exec, not from
/// the first use of the runtime.
private func processStartMonotonic() -> UInt64? {
  guard let ticks = processStartTime() else { return nil }
  let hertz = UInt64(sysconf(Int32(_SC_CLK_TCK)))
  guard hertz > 0 else { return nil }
  // CLOCK_MONOTONIC and /proc's boot-relative times share an origin on Linux, except
  // for time spent suspended, which CLOCK_MONOTONIC leaves out.
  let started = ticks * (1_000_000_000 / hertz)
  let now = dt_monotonic_ns()
  return started <= now ? started : nil
}

private func processName() -> String {
  var buffer = [CChar](repeating: 0, count: 64)
  guard dt_process_name(getpid(), &buffer, buffer.count) == 0 else { return "unknown" }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func processStartTime() -> UInt64? {
  var ticks: UInt64 = 0
  return dt_process_start_time(getpid(), &ticks) == 0 ? ticks : nil
}
