import DeadtopABI
import DeadtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// Why a process cannot be attached to. Each case reads as a sentence a user can act on.
public enum AttachError: Error, Equatable, CustomStringConvertible {
  case noSuchProcess(pid: Int32)
  case noSegment(pid: Int32, name: String)
  case permissionDenied(pid: Int32, path: String)
  case stale(pid: Int32, path: String, reason: String)
  case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
  case corrupt(path: String, reason: String)
  case notReady(path: String)

  public var description: String {
    switch self {
    case .noSuchProcess(let pid):
      return "no such process: \(pid)"
    case .noSegment(let pid, let name):
      return
        "process \(pid) (\(name)) publishes no deadtop segment (/dev/shm/deadtop.\(pid)): "
        + "it does not link the Deadtop runtime, or has not used it yet"
    case .permissionDenied(let pid, let path):
      return
        "permission denied reading \(path): the segment is private to its owner (mode 0600); "
        + "run deadtop as the user that runs process \(pid), or as root"
    case .stale(_, let path, let reason):
      return "stale segment \(path): \(reason)"
    case .unsupportedVersion(let path, let found, let supported):
      return
        "\(path) uses segment ABI version \(found); this deadtop reads versions 1 to "
        + "\(supported): upgrade deadtop"
    case .corrupt(let path, let reason):
      return "corrupt segment \(path): \(reason)"
    case .notReady(let path):
      return "\(path) is still being created by its process; try again"
    }
  }
}

/// Reads a process's segment, mapped read-only, into snapshots. It never writes to the
/// segment and never signals or stops the process.
public final class SegmentSource {
  public static let supportedVersion: UInt32 = DT_ABI_VERSION
  public static let directory = "/dev/shm"

  public let pid: Int32
  public let path: String
  private let base: UnsafeRawPointer
  private let size: Int
  private let header: dt_header
  private let tasksTable: dt_table
  private let resourcesTable: dt_table
  private let sitesTable: dt_table
  private let stringsTable: dt_table
  private let edgesTable: dt_table
  private let schedtraceTable: dt_table
  private let eventsTable: dt_table
  private var edges: [LockOrderEdge] = []
  private let checksProcess: Bool
  private var strings: [UInt32: String] = [:]
  private var sites: [CallSite?] = []
  // The last consistent copy of each slot, by index (nil: free or never read).
  private var previousTasks: [dt_task_slot?] = []
  private var previousResources: [dt_resource_slot?] = []
  /// Copy attempts per slot before the previous copy is kept.
  private let readTries: Int32 = 16

  /// Attaches to the segment of a live process.
  public convenience init(pid: Int32) throws {
    guard processExists(pid) else {
      if access(Self.path(for: pid), F_OK) == 0 {
        throw AttachError.stale(
          pid: pid, path: Self.path(for: pid),
          reason: "process \(pid) is gone; its segment was left behind (deadtop list --clean removes it)")
      }
      throw AttachError.noSuchProcess(pid: pid)
    }
    try self.init(path: Self.path(for: pid), pid: pid, checksProcess: true)
  }

  /// Opens a segment file. With `checksProcess`, the process must be alive and be the one
  /// that created the segment (same start time).
  public init(path: String, pid expectedPID: Int32? = nil, checksProcess: Bool = false) throws {
    self.path = path
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let error = errno
      let pid = expectedPID ?? 0
      switch error {
      case EACCES, EPERM: throw AttachError.permissionDenied(pid: pid, path: path)
      case ENOENT:
        throw AttachError.noSegment(pid: pid, name: commandName(of: pid) ?? "unknown")
      default:
        throw AttachError.corrupt(path: path, reason: "cannot open: \(String(cString: strerror(error)))")
      }
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw AttachError.corrupt(path: path, reason: "cannot stat")
    }
    let fileSize = Int(status.st_size)
    guard fileSize >= MemoryLayout<dt_header>.size else {
      if fileSize == 0 { throw AttachError.notReady(path: path) }
      throw AttachError.corrupt(path: path, reason: "\(fileSize) bytes is too small for a header")
    }
    let mapped = mmap(nil, fileSize, PROT_READ, MAP_SHARED, descriptor, 0)
    guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw AttachError.corrupt(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
    }
    base = UnsafeRawPointer(mapped)
    size = fileSize
    do {
      let validated = try Self.validate(base: base, size: fileSize, path: path)
      header = validated.header
      tasksTable = validated.tables[Int(DT_TABLE_TASKS)]
      resourcesTable = validated.tables[Int(DT_TABLE_RESOURCES)]
      sitesTable = validated.tables[Int(DT_TABLE_SITES)]
      stringsTable = validated.tables[Int(DT_TABLE_STRINGS)]
      // Optional tables: missing or malformed ones are read as empty.
      edgesTable = Self.optionalTable(
        validated.tables[Int(DT_TABLE_EDGES)], slotSize: MemoryLayout<dt_edge>.size, header: validated.header)
      schedtraceTable = Self.optionalTable(
        validated.tables[Int(DT_TABLE_SCHEDTRACE)], slotSize: Int(DT_SCHED_RECORD_V1_SIZE),
        header: validated.header)
      eventsTable = Self.optionalTable(
        validated.tables[Int(DT_TABLE_EVENTS)], slotSize: MemoryLayout<dt_event>.size,
        header: validated.header)
      pid = header.pid
      self.checksProcess = checksProcess
      if let expectedPID, expectedPID != header.pid {
        throw AttachError.corrupt(
          path: path, reason: "it names process \(header.pid), not \(expectedPID)")
      }
      if checksProcess { try checkSameProcess() }
    } catch {
      munmap(mapped, fileSize)
      throw error
    }
  }

  deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

  public static func path(for pid: Int32) -> String { "\(directory)/deadtop.\(pid)" }

  /// Every check a reader makes before it trusts the header; nothing past the header
  /// is read before its table descriptors are known to lie inside the file.
  static func validate(base: UnsafeRawPointer, size: Int, path: String) throws -> (
    header: dt_header, tables: [dt_table]
  ) {
    let ready = dt_load_acquire_u32(
      (base + MemoryLayout<dt_header>.offset(of: \dt_header.ready)!)
        .assumingMemoryBound(to: UInt32.self))
    let magic = base.loadUnaligned(as: UInt64.self)
    guard magic == DT_MAGIC else {
      throw AttachError.corrupt(path: path, reason: "bad magic number: not a deadtop segment")
    }
    guard ready == 1 else { throw AttachError.notReady(path: path) }
    let header = base.loadUnaligned(as: dt_header.self)
    guard header.abi_version >= 1 else {
      throw AttachError.corrupt(path: path, reason: "ABI version 0")
    }
    guard header.abi_version <= supportedVersion else {
      throw AttachError.unsupportedVersion(
        path: path, found: header.abi_version, supported: supportedVersion)
    }
    guard Int(header.header_size) >= MemoryLayout<dt_header>.size, Int(header.header_size) <= size
    else {
      throw AttachError.corrupt(path: path, reason: "header size \(header.header_size) is invalid")
    }
    guard header.segment_size <= UInt64(size), header.segment_size >= UInt64(header.header_size)
    else {
      throw AttachError.corrupt(
        path: path,
        reason: "it claims \(header.segment_size) bytes but the file has \(size)")
    }
    let tables = withUnsafeBytes(of: header.tables) { bytes in
      (0..<Int(DT_TABLE_COUNT)).map { bytes.load(fromByteOffset: $0 * 16, as: dt_table.self) }
    }
    let minimumSlot: [Int: Int] = [
      // Version 1's slots were shorter; the fields added since read as zero.
      DT_TABLE_TASKS: Int(DT_TASK_SLOT_V1_SIZE),
      DT_TABLE_RESOURCES: Int(DT_RESOURCE_SLOT_V1_SIZE),
      DT_TABLE_SITES: MemoryLayout<dt_site>.size,
      DT_TABLE_STRINGS: 1,
    ]
    for (index, minimum) in minimumSlot {
      let table = tables[index]
      let name = ["tasks", "resources", "sites", "strings"][index]
      guard table.capacity > 0 else {
        throw AttachError.corrupt(path: path, reason: "the \(name) table is missing")
      }
      let (extent, overflow) = UInt64(table.slot_size).multipliedReportingOverflow(
        by: UInt64(table.capacity))
      guard Int(table.slot_size) >= minimum, table.offset % 8 == 0,
        table.offset >= UInt64(header.header_size), !overflow,
        table.offset <= header.segment_size, extent <= header.segment_size - table.offset
      else {
        throw AttachError.corrupt(path: path, reason: "the \(name) table lies outside the segment")
      }
    }
    return (header, tables)
  }

  static func optionalTable(_ table: dt_table, slotSize: Int, header: dt_header) -> dt_table {
    let (extent, overflow) = UInt64(table.slot_size).multipliedReportingOverflow(by: UInt64(table.capacity))
    let valid =
      Int(table.slot_size) >= slotSize && !overflow && table.offset % 8 == 0
      && table.offset >= UInt64(header.header_size) && table.offset <= header.segment_size
      && extent <= header.segment_size - table.offset
    return valid ? table : dt_table()
  }

  /// The process must still be the one that created the segment.
  private func checkSameProcess() throws {
    var ticks: UInt64 = 0
    guard dt_process_start_time(pid, &ticks) == 0 else {
      throw AttachError.stale(
        pid: pid, path: path,
        reason: "process \(pid) is gone; its segment was left behind (deadtop list --clean removes it)")
    }
    if header.start_time != 0 && ticks != header.start_time {
      throw AttachError.stale(
        pid: pid, path: path,
        reason: "it was written by an earlier process with pid \(pid) (start times differ)")
    }
  }

  public var processName: String {
    withUnsafeBytes(of: header.process_name) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  /// Copies every slot into a `Snapshot`. Slots that keep changing while copied keep
  /// their previous copy and are marked stale. Throws only if the process has gone.
  public func snapshot() throws -> Snapshot {
    if checksProcess { try checkSameProcess() }
    let raw = UnsafeMutableRawPointer(mutating: base)
    let now = dt_monotonic_ns()
    refreshSites(used: headerField(\.sites_used))
    let stringsUsed = min(headerField(\.strings_used), UInt64(stringsTable.capacity))
    var warnings: [String] = []
    var counters = Counters()

    var tasks: [TaskInfo] = []
    var staleSlots = 0
    if previousTasks.count != Int(tasksTable.capacity) {
      previousTasks = Array(repeating: nil, count: Int(tasksTable.capacity))
    }
    if previousResources.count != Int(resourcesTable.capacity) {
      previousResources = Array(repeating: nil, count: Int(resourcesTable.capacity))
    }
    for index in 0..<Int(tasksTable.capacity) {
      let slotAddress = raw + Int(tasksTable.offset) + index * Int(tasksTable.slot_size)
      // A free slot, most of the table, is skipped on one load instead of a copy.
      if Self.isFree(slotAddress, stateAt: MemoryLayout<dt_task_slot>.offset(of: \.state)!) {
        previousTasks[index] = nil
        continue
      }
      var copy = dt_task_slot()
      let consistent = withUnsafeMutableBytes(of: &copy) { buffer in
        dt_seq_read(slotAddress, buffer.baseAddress, min(buffer.count, Int(tasksTable.slot_size)), readTries)
          == 1
      }
      var stale = false
      if consistent {
        previousTasks[index] = copy
      } else if let previous = previousTasks[index] {
        copy = previous
        stale = true
        staleSlots += 1
      } else {
        staleSlots += 1
        continue
      }
      guard copy.state != UInt32(DT_TASK_FREE), copy.id != 0 else { continue }
      counters.acquisitions &+= copy.acquisitions
      counters.contended &+= copy.contended
      counters.blocks &+= copy.blocks
      tasks.append(decode(task: copy, stale: stale, stringsUsed: stringsUsed))
    }

    var resources: [ResourceInfo] = []
    for index in 0..<Int(resourcesTable.capacity) {
      let slotAddress = raw + Int(resourcesTable.offset) + index * Int(resourcesTable.slot_size)
      if Self.isFree(slotAddress, stateAt: MemoryLayout<dt_resource_slot>.offset(of: \.kind)!) {
        previousResources[index] = nil
        continue
      }
      var copy = dt_resource_slot()
      let consistent = withUnsafeMutableBytes(of: &copy) { buffer in
        dt_seq_read(
          slotAddress, buffer.baseAddress, min(buffer.count, Int(resourcesTable.slot_size)), readTries) == 1
      }
      if consistent {
        previousResources[index] = copy
      } else if let previous = previousResources[index] {
        copy = previous
      } else {
        continue
      }
      let kind: ResourceInfo.Kind
      switch Int(copy.kind) {
      case DT_RESOURCE_MUTEX: kind = .mutex
      case DT_RESOURCE_RWMUTEX: kind = .rwMutex
      case DT_RESOURCE_CHANNEL: kind = .channel
      case DT_RESOURCE_WAITGROUP: kind = .waitGroup
      case DT_RESOURCE_COND: kind = .cond
      case DT_RESOURCE_SEMAPHORE: kind = .semaphore
      default: continue
      }
      guard copy.id != 0 else { continue }
      let flags = Int(copy.flags)
      let userCount = min(Int(copy.user_count), Int(DT_MAX_USERS))
      let users = withUnsafeBytes(of: copy.users) { bytes in
        (0..<userCount).map { bytes.load(fromByteOffset: $0 * 8, as: UInt64.self) }
      }
      let references = dt_load_relaxed_u64(
        UnsafeMutablePointer(mutating: slotAddress.assumingMemoryBound(to: dt_resource_slot.self))
          .pointer(to: \.references)!)
      var resource = ResourceInfo(
        id: copy.id, kind: kind, name: string(copy.name, used: stringsUsed), site: site(copy.site),
        contention: Contention(
          contended: copy.contended, totalWaitNanoseconds: copy.wait_total_ns,
          maxWaitNanoseconds: copy.wait_max_ns),
        capacity: Int(clamping: copy.capacity), count: Int(clamping: copy.count),
        closed: flags & DT_RESOURCE_CLOSED != 0, clockDriven: flags & DT_RESOURCE_CLOCK != 0, users: users,
        listsMembers: flags & DT_RESOURCE_MEMBERS != 0,
        references: flags & DT_RESOURCE_REFERENCES != 0 && references != UInt64.max
          && Int(resourcesTable.slot_size) >= MemoryLayout<dt_resource_slot>.size
          ? Int(clamping: references) : nil)
      resource.unlistedUsers = flags & DT_RESOURCE_USERS_OVERFLOW != 0
      resource.createdAtNanoseconds = copy.created_ns
      resources.append(resource)
    }

    tasks.sort { $0.id < $1.id }
    resources.sort { $0.id < $1.id }
    counters.tasksCreated = headerField(\.tasks_created)
    counters.resourcesCreated = headerField(\.resources_created)
    counters.tasksDropped = headerField(\.tasks_dropped)
    counters.resourcesDropped = headerField(\.resources_dropped)
    if counters.tasksDropped > 0 {
      warnings.append(
        "the task table (\(tasksTable.capacity) slots) was full: \(counters.tasksDropped) tasks "
          + "are not shown; raise DEADTOP_MAX_TASKS")
    }
    if counters.resourcesDropped > 0 {
      warnings.append(
        "the resource table (\(resourcesTable.capacity) slots) was full: "
          + "\(counters.resourcesDropped) locks are not shown; raise DEADTOP_MAX_RESOURCES")
    }
    if staleSlots > 0 {
      warnings.append("\(staleSlots) task slots changed while being read; showing their previous copy")
    }
    refreshEdges(used: headerField(\.edges_used), stringsUsed: stringsUsed)
    let edgesDropped = headerField(\.edges_dropped)
    if edgesDropped > 0 {
      warnings.append(
        "the lock-order table (\(edgesTable.capacity) edges) was full: \(edgesDropped) orders are not "
          + "shown; raise DEADTOP_MAX_EDGES")
    }
    var snapshot = Snapshot(
      process: ProcessSummary(
        pid: pid, name: processName, source: .runtime, abiVersion: header.abi_version,
        startedAtNanoseconds: header.clock_base_monotonic_ns),
      takenAtNanoseconds: now, tasks: tasks, resources: resources, counters: counters,
      warnings: warnings)
    snapshot.lockOrder = edges
    snapshot.schedtrace = readSchedtrace()
    snapshot.events = readEvents()
    snapshot.siteContention = readSiteContention()
    snapshot.heartbeat = headerField(\.heartbeat)
    return snapshot
  }

  private func decode(task slot: dt_task_slot, stale: Bool, stringsUsed: UInt64) -> TaskInfo {
    let state: TaskState
    switch Int(slot.state) {
    case DT_TASK_BLOCKED: state = .blocked
    case DT_TASK_ENDED: state = .ended
    default: state = .running
    }
    var wait: Wait?
    if state == .blocked {
      if let kind = Self.waitKind(slot.wait_kind) {
        let flags = Int(slot.wait_flags)
        let caseCount = min(Int(slot.case_count), Int(DT_MAX_CASES))
        let cases = withUnsafeBytes(of: slot.cases) { bytes in
          (0..<caseCount).map { index -> Wait.Case in
            let entry = bytes.load(fromByteOffset: index * MemoryLayout<dt_case>.stride, as: dt_case.self)
            return Wait.Case(
              resource: entry.resource, operation: entry.op == UInt32(DT_CASE_SEND) ? .send : .receive)
          }
        }
        wait = Wait(
          kind: kind,
          target: kind == .join ? .task(slot.wait_target) : .resource(slot.wait_target),
          sinceNanoseconds: slot.wait_since_ns, sequence: slot.wait_seq,
          site: site(slot.wait_site), cases: cases,
          deadlineNanoseconds: flags & DT_WAIT_TIMED != 0 ? slot.wait_deadline_ns : nil,
          iterating: flags & DT_WAIT_ITERATING != 0)
        wait?.unlistedCases = flags & DT_WAIT_CASES_OVERFLOW != 0
      }
    }
    let heldCount = min(Int(slot.held_count), Int(DT_MAX_HELD))
    let holds = withUnsafeBytes(of: slot.held) { bytes in
      (0..<heldCount).map { index -> Hold in
        let hold = bytes.load(fromByteOffset: index * MemoryLayout<dt_hold>.stride, as: dt_hold.self)
        return Hold(
          resource: hold.resource,
          mode: hold.mode == UInt32(DT_HOLD_SHARED) ? .shared : .exclusive,
          site: site(hold.site))
      }
    }
    return TaskInfo(
      id: slot.id, osThreadID: slot.tid,
      name: string(slot.name, used: stringsUsed) ?? "task \(slot.id)",
      state: wait == nil && state == .blocked ? .running : state, wait: wait, holds: holds,
      unlistedHolds: Int(slot.held_overflow), spawnSite: site(slot.spawn_site),
      parent: slot.parent == 0 ? nil : slot.parent, createdAtNanoseconds: slot.created_ns,
      endedAtNanoseconds: state == .ended ? slot.ended_ns : nil, stale: stale)
  }

  /// Sites are written once before `sites_used` covers them, so each is decoded once.
  private func refreshSites(used: UInt64) {
    let count = Int(min(used, UInt64(sitesTable.capacity)))
    guard count > sites.count else { return }
    let raw = base + Int(sitesTable.offset)
    let stringsUsed = min(headerField(\.strings_used), UInt64(stringsTable.capacity))
    for index in sites.count..<count {
      let entry = (raw + index * Int(sitesTable.slot_size)).loadUnaligned(as: dt_site.self)
      guard let file = string(entry.file, used: stringsUsed) else {
        sites.append(nil)
        continue
      }
      sites.append(
        CallSite(file: file, line: entry.line, function: string(entry.function, used: stringsUsed) ?? ""))
    }
  }

  /// The last `capacity` slots of a ring written at `head % capacity`, oldest first,
  /// each copied under its seqlock (a slot being rewritten is skipped).
  private func ring<Slot>(_ table: dt_table, head: UInt64, as: Slot.Type, _ body: (Slot) -> Void) {
    let capacity = UInt64(table.capacity)
    guard capacity > 0, head > 0 else { return }
    let first = head > capacity ? head - capacity : 0
    let raw = base + Int(table.offset)
    // An older writer's shorter slots leave the fields it does not know zero.
    let size = MemoryLayout<Slot>.size
    let copied = min(size, Int(table.slot_size))
    let copy = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    defer { copy.deallocate() }
    for index in first..<head {
      let slot = raw + Int(index % capacity) * Int(table.slot_size)
      copy.initializeMemory(as: UInt8.self, repeating: 0, count: size)
      guard dt_seq_read(slot, copy, copied, readTries) == 1 else { continue }
      body(copy.load(as: Slot.self))
    }
  }

  private func readSchedtrace() -> [SchedRecord] {
    var records: [SchedRecord] = []
    let start = header.clock_base_monotonic_ns
    ring(schedtraceTable, head: headerField(\.schedtrace_head), as: dt_sched_record.self) { record in
      var copy = record
      var buffer = [CChar](repeating: 0, count: 512)
      dt_format_sched_record(&copy, record.time_ns &- start, &buffer, buffer.count)
      records.append(
        SchedRecord(
          timeNanoseconds: record.time_ns,
          line: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
          tasks: Int(record.tasks), running: Int(record.running), blocked: Int(record.blocked),
          acquisitions: record.acquisitions, contended: record.contended, blocks: record.blocks,
          intervalNanoseconds: record.interval_ns))
    }
    return records.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
  }

  /// Whether a slot is free (state or kind 0) and not being written (an even seqlock).
  private static func isFree(_ slot: UnsafeMutableRawPointer, stateAt offset: Int) -> Bool {
    let sequence = dt_load_acquire_u32(slot.assumingMemoryBound(to: UInt32.self))
    let state = dt_load_relaxed_u32((slot + offset).assumingMemoryBound(to: UInt32.self))
    return state == 0 && sequence & 1 == 0
  }

  /// A DT_WAIT_* value, as in a task's wait and a block or wake event's detail.
  static func waitKind(_ raw: UInt32) -> Wait.Kind? {
    switch Int(raw) {
    case DT_WAIT_MUTEX: .mutex
    case DT_WAIT_READ_LOCK: .readLock
    case DT_WAIT_WRITE_LOCK: .writeLock
    case DT_WAIT_JOIN: .join
    case DT_WAIT_SEND: .send
    case DT_WAIT_RECEIVE: .receive
    case DT_WAIT_SELECT: .select
    case DT_WAIT_WAITGROUP: .waitGroup
    case DT_WAIT_COND: .cond
    case DT_WAIT_SEMAPHORE: .semaphore
    case DT_WAIT_SLEEP: .sleep
    default: nil
    }
  }

  private func readEvents() -> [Event] {
    var events: [Event] = []
    ring(eventsTable, head: headerField(\.events_head), as: dt_event.self) { event in
      let kinds: [Int: Event.Kind] = [
        Int(DT_EVENT_BLOCK): .block, Int(DT_EVENT_WAKE): .wake, Int(DT_EVENT_HANDOFF): .handoff,
        Int(DT_EVENT_SPAWN): .spawn, Int(DT_EVENT_EXIT): .exit, Int(DT_EVENT_CLOSE): .close,
        Int(DT_EVENT_TIMEOUT): .timeout,
      ]
      guard let kind = kinds[Int(event.kind)] else { return }
      events.append(
        Event(
          kind: kind, timeNanoseconds: event.time_ns, task: event.task, target: event.target,
          site: site(event.site), waitKind: Self.waitKind(event.detail),
          durationNanoseconds: event.duration_ns))
    }
    return events.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
  }

  /// Sites that ever waited, from the live counters (atomics, read relaxed).
  private func readSiteContention() -> [SiteContention] {
    let raw = UnsafeMutableRawPointer(mutating: base + Int(sitesTable.offset))
    var result: [SiteContention] = []
    for index in 0..<sites.count {
      let entry = (raw + index * Int(sitesTable.slot_size)).assumingMemoryBound(to: dt_site.self)
      let contended = dt_load_relaxed_u64(&entry.pointee.contended)
      guard contended > 0, let site = sites[index] else { continue }
      result.append(
        SiteContention(
          site: site,
          contention: Contention(
            contended: contended, totalWaitNanoseconds: dt_load_relaxed_u64(&entry.pointee.wait_total_ns),
            maxWaitNanoseconds: dt_load_relaxed_u64(&entry.pointee.wait_max_ns))))
    }
    return result
  }

  /// Edges are written once before `edges_used` covers them, so each is decoded once.
  private func refreshEdges(used: UInt64, stringsUsed: UInt64) {
    let count = Int(min(used, UInt64(edgesTable.capacity)))
    guard count > edges.count else { return }
    let raw = base + Int(edgesTable.offset)
    for index in edges.count..<count {
      let edge = (raw + index * Int(edgesTable.slot_size)).loadUnaligned(as: dt_edge.self)
      edges.append(
        LockOrderEdge(
          from: lockClass(edge.from_class, stringsUsed: stringsUsed),
          to: lockClass(edge.to_class, stringsUsed: stringsUsed), fromSite: site(edge.from_site),
          toSite: site(edge.to_site),
          fromMode: edge.from_mode == UInt16(DT_HOLD_SHARED) ? .shared : .exclusive,
          toMode: edge.to_mode == UInt16(DT_HOLD_SHARED) ? .shared : .exclusive, task: edge.task))
    }
  }

  /// `mutex "accounts"`, or `rwmutex created at Config.swift:9` for an unnamed class.
  private func lockClass(_ key: UInt32, stringsUsed: UInt64) -> LockClass {
    let kind = key & DT_CLASS_RWMUTEX != 0 ? "rwmutex" : "mutex"
    let reference = key & DT_CLASS_REFERENCE
    if key & DT_CLASS_BY_SITE != 0 {
      let label =
        site(reference).map { "\(kind) created at \($0.file):\($0.line)" } ?? "\(kind) class \(reference)"
      return LockClass(key: key, label: label)
    }
    let name = string(reference, used: stringsUsed) ?? "class \(reference)"
    return LockClass(key: key, label: "\(kind) \"\(name)\"")
  }

  /// A live header counter, read with acquire so what it covers is visible.
  private func headerField(_ field: KeyPath<dt_header, UInt64>) -> UInt64 {
    let offset = MemoryLayout<dt_header>.offset(of: field)!
    return dt_load_acquire_u64((base + offset).assumingMemoryBound(to: UInt64.self))
  }

  private func site(_ reference: UInt32) -> CallSite? {
    guard reference > 0, Int(reference) <= sites.count else { return nil }
    return sites[Int(reference) - 1]
  }

  /// A string reference is checked against the bytes published so far.
  private func string(_ reference: UInt32, used: UInt64) -> String? {
    guard reference > 0 else { return nil }
    if let cached = strings[reference] { return cached }
    let offset = UInt64(reference - 1)
    guard offset + 4 <= used else { return nil }
    let entry = base + Int(stringsTable.offset) + Int(offset)
    let length = UInt64(UInt32(littleEndian: entry.loadUnaligned(as: UInt32.self)))
    guard length <= used - offset - 4 else { return nil }
    let text = String(
      decoding: UnsafeRawBufferPointer(start: entry + 4, count: Int(length)), as: UTF8.self)
    strings[reference] = text
    return text
  }
}

public func processExists(_ pid: Int32) -> Bool {
  guard pid > 0 else { return false }
  return access("/proc/\(pid)", F_OK) == 0
}

/// The command name of a process, from /proc/<pid>/comm.
public func commandName(of pid: Int32) -> String? {
  var buffer = [CChar](repeating: 0, count: 64)
  guard dt_process_name(pid, &buffer, buffer.count) == 0 else { return nil }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
