import DeadtopABI
import DeadtopCore

/// Decodes a segment's bytes into snapshots: over raw memory, with no file system and
/// no Foundation, so that deadtop (over a read-only mapping) and the runtime's in-process
/// check (over its own memory, published or private) decode with the same code. It
/// only reads; it keeps what it decoded once (strings, sites, lock-order edges, the last
/// consistent copy of each slot) between snapshots.
public final class SegmentDecoder {
  public static let supportedVersion = SegmentValidation.supportedVersion

  let base: UnsafeRawPointer
  let header: dt_header
  /// The validated table descriptors (the history extension reads them too).
  let layout: SegmentValidation.Validated
  private var taskSlots: SlotCopier<dt_task_slot>
  private var resourceSlots: SlotCopier<dt_resource_slot>
  private var strings: [UInt32: String] = [:]
  var sites: [CallSite?] = []
  var edges: [LockOrderEdge] = []

  /// `size` is how many bytes at `base` may be read; the header must fit in them.
  public init(base: UnsafeRawPointer, size: Int) throws(SegmentError) {
    self.base = base
    layout = try SegmentValidation.validate(base: base, size: size)
    header = layout.header
    taskSlots = SlotCopier(
      table: layout.tasks, stateOffset: MemoryLayout<dt_task_slot>.offset(of: \.state)!)
    resourceSlots = SlotCopier(
      table: layout.resources, stateOffset: MemoryLayout<dt_resource_slot>.offset(of: \.kind)!)
  }

  public var pid: Int32 { header.pid }
  public var abiVersion: UInt32 { header.abi_version }
  /// Field 22 of the writer's `/proc/<pid>/stat`; 0 when it could not read it.
  public var processStartTime: UInt64 { header.start_time }
  /// CLOCK_REALTIME when the writer made the segment.
  public var createdRealtimeNanoseconds: UInt64 { header.clock_base_realtime_ns }

  public var processName: String {
    withUnsafeBytes(of: header.process_name) { bytes in
      String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
  }

  /// Copies every slot into a `Snapshot` taken at `now` (the monotonic clock).
  public func snapshot(now: UInt64 = dt_monotonic_ns()) -> Snapshot {
    // Edges first: the names and sites an edge refers to are published before it, so
    // the counts read after cover every edge counted here (edges are decoded once).
    let edgesUsed = headerField(\.edges_used)
    refreshSites(used: headerField(\.sites_used))
    let stringsUsed = self.stringsUsed
    var counters = Counters()
    var tasks: [TaskInfo] = []
    var lostRemoteReleases: [(task: UInt64, count: UInt32)] = []
    let staleTasks = taskSlots.forEachSlot(in: base, blank: dt_task_slot()) { slot, stale in
      guard slot.state != UInt32(DT_TASK_FREE), slot.id != 0 else { return }
      if slot.remote_releases_lost > 0 { lostRemoteReleases.append((slot.id, slot.remote_releases_lost)) }
      counters.acquisitions &+= slot.acquisitions
      counters.contended &+= slot.contended
      counters.blocks &+= slot.blocks
      tasks.append(decode(task: slot, stale: stale, stringsUsed: stringsUsed))
    }
    var resources: [ResourceInfo] = []
    _ = resourceSlots.forEachSlot(in: base, blank: dt_resource_slot()) { slot, _ in
      if let resource = decode(resource: slot, stringsUsed: stringsUsed) { resources.append(resource) }
    }
    tasks.sort { $0.id < $1.id }
    resources.sort { $0.id < $1.id }
    counters.tasksCreated = headerField(\.tasks_created)
    counters.resourcesCreated = headerField(\.resources_created)
    counters.tasksDropped = headerField(\.tasks_dropped)
    counters.resourcesDropped = headerField(\.resources_dropped)
    refreshEdges(used: edgesUsed, stringsUsed: stringsUsed)
    var snapshot = Snapshot(
      process: ProcessSummary(
        pid: header.pid, name: processName, source: .runtime, abiVersion: header.abi_version,
        startedAtNanoseconds: header.clock_base_monotonic_ns),
      takenAtNanoseconds: now, tasks: tasks, resources: resources, counters: counters,
      warnings: warnings(counters: counters, staleTasks: staleTasks)
        + lostRemoteReleases.map { lost in
          "task \(lost.task): \(lost.count) unlocks by other tasks could not be recorded; its holds may be stale"
        })
    snapshot.lockOrder = edges
    snapshot.schedtrace = readSchedtrace()
    snapshot.events = readEvents()
    snapshot.siteContention = readSiteContention()
    snapshot.heartbeat = headerField(\.heartbeat)
    return snapshot
  }

  private func warnings(counters: Counters, staleTasks: Int) -> [String] {
    var warnings: [String] = []
    if counters.tasksDropped > 0 {
      warnings.append(
        "the task table (\(layout.tasks.capacity) slots) was full: \(counters.tasksDropped) tasks "
          + "are not shown; raise DEADTOP_MAX_TASKS")
    }
    if counters.resourcesDropped > 0 {
      warnings.append(
        "the resource table (\(layout.resources.capacity) slots) was full: "
          + "\(counters.resourcesDropped) locks are not shown; raise DEADTOP_MAX_RESOURCES")
    }
    if staleTasks > 0 {
      warnings.append("\(staleTasks) task slots changed while being read; showing their previous copy")
    }
    let edgesDropped = headerField(\.edges_dropped)
    if edgesDropped > 0 {
      warnings.append(
        "the lock-order table (\(layout.edges.capacity) edges) was full: \(edgesDropped) orders are not "
          + "shown; raise DEADTOP_MAX_EDGES")
    }
    return warnings
  }

  private func decode(task slot: dt_task_slot, stale: Bool, stringsUsed: UInt64) -> TaskInfo {
    let state: TaskState
    switch Int(slot.state) {
    case DT_TASK_BLOCKED: state = .blocked
    case DT_TASK_ENDED: state = .ended
    default: state = .running
    }
    var wait: Wait?
    if state == .blocked, let kind = Self.waitKind(slot.wait_kind) {
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
    let heldCount = min(Int(slot.held_count), Int(DT_MAX_HELD))
    var holds = withUnsafeBytes(of: slot.held) { bytes in
      (0..<heldCount).map { index -> Hold in
        let hold = bytes.load(fromByteOffset: index * MemoryLayout<dt_hold>.stride, as: dt_hold.self)
        return Hold(
          resource: hold.resource, mode: hold.mode == UInt32(DT_HOLD_SHARED) ? .shared : .exclusive,
          site: site(hold.site))
      }
    }
    // Locks another task unlocked that the holder has not removed yet (a version-3 slot;
    // an older one reads these entries as zero).
    withUnsafeBytes(of: slot.remote_releases) { bytes in
      for index in 0..<Int(DT_MAX_REMOTE_RELEASES) {
        let entry = bytes.load(fromByteOffset: index * 8, as: UInt64.self)
        guard entry != 0 else { continue }
        let mode: HoldMode = entry >> 62 == UInt64(DT_HOLD_SHARED) ? .shared : .exclusive
        let resource = entry & (1 << 62 - 1)
        // The oldest: a hold of it taken since came after the unlock.
        if let oldest = holds.firstIndex(where: { $0.resource == resource && $0.mode == mode }) {
          holds.remove(at: oldest)
        }
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

  private func decode(resource slot: dt_resource_slot, stringsUsed: UInt64) -> ResourceInfo? {
    guard slot.id != 0, let kind = Self.resourceKind(slot.kind) else { return nil }
    let flags = Int(slot.flags)
    let userCount = min(Int(slot.user_count), Int(DT_MAX_USERS))
    let entries = withUnsafeBytes(of: slot.users) { bytes in
      (0..<userCount).map { bytes.load(fromByteOffset: $0 * 8, as: UInt64.self) }
    }
    let users = entries.map { $0 & DT_USER_TASK_MASK }
    // A channel's entries say how each user used it (version 3); none of the bits set
    // (version 2) says nothing.
    let uses: [ChannelUse] =
      kind == .channel && entries.contains(where: { $0 & ~DT_USER_TASK_MASK != 0 })
      ? entries.map { entry in
        var use: ChannelUse = []
        if entry & DT_USER_MAY_RECEIVE != 0 { use.insert(.mayReceive) }
        if entry & DT_USER_MAY_SEND != 0 { use.insert(.maySend) }
        if entry & DT_USER_SENT != 0 { use.insert(.hasSent) }
        return use
      } : []
    // The sampler stores `references` outside the seqlock: the copy may be a moment old,
    // which errs high or low by one sample, never past what was measured.
    let measured =
      flags & DT_RESOURCE_REFERENCES != 0 && slot.references != UInt64.max
      && Int(layout.resources.slot_size) >= MemoryLayout<dt_resource_slot>.size
    var resource = ResourceInfo(
      id: slot.id, kind: kind, name: string(slot.name, used: stringsUsed), site: site(slot.site),
      contention: Contention(
        contended: slot.contended, totalWaitNanoseconds: slot.wait_total_ns,
        maxWaitNanoseconds: slot.wait_max_ns),
      capacity: Int(clamping: slot.capacity),
      // An atomic counter's value is signed; the other counts are not.
      count: kind == .atomic ? Int(Int64(bitPattern: slot.count)) : Int(clamping: slot.count),
      closed: flags & DT_RESOURCE_CLOSED != 0, clockDriven: flags & DT_RESOURCE_CLOCK != 0, users: users,
      listsMembers: flags & DT_RESOURCE_MEMBERS != 0,
      references: measured ? Int(clamping: slot.references) : nil)
    resource.unlistedUsers = flags & DT_RESOURCE_USERS_OVERFLOW != 0
    resource.uses = uses
    resource.createdAtNanoseconds = slot.created_ns
    return resource
  }

  static func resourceKind(_ raw: UInt32) -> ResourceInfo.Kind? {
    switch Int(raw) {
    case DT_RESOURCE_MUTEX: .mutex
    case DT_RESOURCE_RWMUTEX: .rwMutex
    case DT_RESOURCE_CHANNEL: .channel
    case DT_RESOURCE_WAITGROUP: .waitGroup
    case DT_RESOURCE_COND: .cond
    case DT_RESOURCE_SEMAPHORE: .semaphore
    case DT_RESOURCE_ONCE: .once
    case DT_RESOURCE_ATOMIC: .atomic
    default: nil
    }
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
    case DT_WAIT_ONCE: .once
    default: nil
    }
  }

  // MARK: Strings and sites

  var stringsUsed: UInt64 { min(headerField(\.strings_used), UInt64(layout.strings.capacity)) }

  /// A live header counter, read with acquire so that what it covers is visible.
  func headerField(_ field: KeyPath<dt_header, UInt64>) -> UInt64 {
    let offset = MemoryLayout<dt_header>.offset(of: field)!
    return dt_load_acquire_u64((base + offset).assumingMemoryBound(to: UInt64.self))
  }

  func string(_ reference: UInt32, used: UInt64) -> String? {
    if let cached = strings[reference] { return cached }
    guard let text = StringTable.read(reference, table: base + Int(layout.strings.offset), used: used)
    else { return nil }
    strings[reference] = text
    return text
  }

  func site(_ reference: UInt32) -> CallSite? {
    guard reference > 0, Int(reference) <= sites.count else { return nil }
    return sites[Int(reference) - 1]
  }

  /// Sites are written once before `sites_used` covers them, so each is decoded once.
  private func refreshSites(used: UInt64) {
    let count = Int(min(used, UInt64(layout.sites.capacity)))
    guard count > sites.count else { return }
    let table = base + Int(layout.sites.offset)
    let stringsUsed = self.stringsUsed
    for index in sites.count..<count {
      let entry = (table + index * Int(layout.sites.slot_size)).loadUnaligned(as: dt_site.self)
      guard let file = string(entry.file, used: stringsUsed) else {
        sites.append(nil)
        continue
      }
      sites.append(
        CallSite(file: file, line: entry.line, function: string(entry.function, used: stringsUsed) ?? ""))
    }
  }

}
