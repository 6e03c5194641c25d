// One file over ~350 lines: the registry (task and resource slots, strings, call sites,
// lock-order edges) is guarded by one lock, and every method that touches its private
// state sits beside it.
import DeadtopABI
import DeadtopRuntimeC
import DeadtopSegment
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The process-wide state of the runtime: the segment, slot allocation, and the
/// interning of names and call sites. Everything here runs on slow paths (the first
/// use of a thread, a lock's creation, going to sleep) except `site(...)`, whose
/// cache hit is a hash and a few loads.
final class Runtime: @unchecked Sendable {
  static let shared = Runtime()

  let segment: Segment
  private let registry = PlatformLock()
  private var nextTaskID: UInt64 = 1
  private var nextResourceID: UInt64 = 1
  private var freeTaskSlots: [Int32]
  private var freeResourceSlots: [Int32]
  private var strings: [String: UInt32] = [:]
  private var stringsUsed = 0
  private var sitesUsed = 0
  private let siteCache: UnsafeMutablePointer<dt_site_cache_entry>
  private let siteCacheMask: UInt32
  /// A thread that found the task table full still needs a slot to write to.
  private var overflowTasks = 0
  /// Lock-order edges already published, so that each is written once.
  private let edgeSet: UnsafeMutablePointer<UInt64>
  private let edgeSetMask: UInt32
  private var edgesUsed = 0
  /// Whether acquiring a lock while holding others records lock-order edges.
  let tracksLockOrder = Atomic<Bool>(true)
  /// Timer channels that fired and contexts whose deadline passed.
  let timeouts = Atomic<UInt64>(0)
  /// Channels, WaitGroups, Conds and semaphores whose references the sampler counts.
  private var watched: [Int32: PublishedResource] = [:]
  /// Whether a sampler runs to count them (set before any primitive exists).
  private(set) var countsReferences = false

  private init() {
    segment = Segment.createForCurrentProcess()
    freeTaskSlots = (0..<Int32(segment.taskCapacity)).reversed()
    freeResourceSlots = (0..<Int32(segment.resourceCapacity)).reversed()
    let cacheSize = 1 << 14
    siteCache = .allocate(capacity: cacheSize)
    siteCache.initialize(repeating: dt_site_cache_entry(), count: cacheSize)
    siteCacheMask = UInt32(cacheSize - 1)
    let edgeSetSize = 1 << 14
    edgeSet = .allocate(capacity: edgeSetSize)
    edgeSet.initialize(repeating: 0, count: edgeSetSize)
    edgeSetMask = UInt32(edgeSetSize - 1)
    tracksLockOrder.store(Environment().string("DEADTOP_LOCK_ORDER") != "0", ordering: .relaxed)
    stringsUsed = StringTable.firstOffset
    countsReferences = Sampler.start(for: self)
  }

  var header: UnsafeMutablePointer<dt_header> { segment.header }

  // MARK: Call sites

  /// The SITES reference (index + 1) for a call site, interning it on first sight.
  @inline(__always)
  func site(_ file: StaticString, _ line: UInt, _ function: StaticString) -> UInt32 {
    let fileKey = UInt64(UInt(bitPattern: file.utf8Start))
    let functionKey = UInt64(UInt(bitPattern: function.utf8Start))
    let cached = dt_site_cache_lookup(
      siteCache, siteCacheMask, fileKey, functionKey, UInt32(truncatingIfNeeded: line))
    if cached != 0 { return cached }
    return internSite(file, line, function)
  }

  @inline(never)
  private func internSite(_ file: StaticString, _ line: UInt, _ function: StaticString) -> UInt32 {
    let fileKey = UInt64(UInt(bitPattern: file.utf8Start))
    let functionKey = UInt64(UInt(bitPattern: function.utf8Start))
    let line32 = UInt32(truncatingIfNeeded: line)
    return registry.withLock {
      let existing = dt_site_cache_lookup(siteCache, siteCacheMask, fileKey, functionKey, line32)
      if existing != 0 { return existing }
      guard sitesUsed < segment.siteCapacity else {
        dt_fetch_add_u64(&header.pointee.sites_dropped, 1)
        return 0
      }
      let index = sitesUsed
      let slot = segment.sites + index
      slot.pointee = dt_site(
        file: internLocked(file.description), function: internLocked(function.description),
        line: line32, reserved: 0, contended: 0, wait_total_ns: 0, wait_max_ns: 0)
      sitesUsed += 1
      dt_store_release_u64(&header.pointee.sites_used, UInt64(sitesUsed))
      // Publish into the cache: keys first, the site last.
      var position = dt_site_cache_hash(fileKey, functionKey, line32) & siteCacheMask
      while siteCache[Int(position)].site != 0 { position = (position + 1) & siteCacheMask }
      let entry = siteCache + Int(position)
      entry.pointee.file = fileKey
      entry.pointee.function = functionKey
      entry.pointee.line = line32
      dt_store_release_u32(&entry.pointee.site, UInt32(index + 1))
      return UInt32(index + 1)
    }
  }

  // MARK: Strings

  func intern(_ string: String) -> UInt32 { registry.withLock { internLocked(string) } }

  /// Appends `string` to STRINGS once; returns its reference (offset + 1), or 0 if full.
  private func internLocked(_ string: String) -> UInt32 {
    if let reference = strings[string] { return reference }
    let bytes = Array(string.utf8.prefix(StringTable.maximumBytes))
    let needed = StringTable.entrySize(byteCount: bytes.count)
    guard stringsUsed + needed <= segment.stringCapacity else {
      dt_fetch_add_u64(&header.pointee.strings_dropped, 1)
      return 0
    }
    let offset = stringsUsed
    StringTable.write(bytes, at: segment.strings + offset)
    stringsUsed += needed
    dt_store_release_u64(&header.pointee.strings_used, UInt64(stringsUsed))
    let reference = UInt32(offset + 1)
    strings[string] = reference
    return reference
  }

  /// Reads a string back from STRINGS, for the runtime's own messages.
  func string(_ reference: UInt32) -> String? {
    StringTable.read(
      reference, table: segment.strings, used: dt_load_acquire_u64(&header.pointee.strings_used))
  }

  func taskName(_ slot: UnsafeMutablePointer<dt_task_slot>) -> String {
    string(slot.pointee.name) ?? "task \(slot.pointee.id)"
  }

  // MARK: Tasks

  /// Gives the calling thread a task slot and makes it the thread's current task.
  func registerCurrentThread(
    name: String?, spawnSite: UInt32 = 0, parent: UInt64 = 0
  ) -> UnsafeMutablePointer<dt_task_slot> {
    let tid = dt_gettid()
    let threadName = name ?? (tid == getpid() ? "main" : currentThreadName() ?? "thread \(tid)")
    let now = dt_monotonic_ns()
    let slot: UnsafeMutablePointer<dt_task_slot> = registry.withLock {
      let id = nextTaskID
      nextTaskID += 1
      dt_fetch_add_u64(&header.pointee.tasks_created, 1)
      let slot: UnsafeMutablePointer<dt_task_slot>
      if let index = freeTaskSlots.popLast() ?? reclaimEndedTaskSlot() {
        slot = segment.tasks + Int(index)
      } else {
        // The table is full: the task still works, it is only not shown.
        dt_fetch_add_u64(&header.pointee.tasks_dropped, 1)
        overflowTasks += 1
        slot = .allocate(capacity: 1)
        slot.initialize(to: dt_task_slot())
      }
      let nameReference = internLocked(threadName)
      dt_seq_begin(&slot.pointee.seq)
      var fresh = dt_task_slot()
      fresh.seq = slot.pointee.seq
      fresh.generation = slot.pointee.generation &+ 1
      fresh.id = id
      fresh.tid = tid
      fresh.name = nameReference
      fresh.spawn_site = spawnSite
      fresh.parent = parent
      fresh.created_ns = now
      fresh.state = UInt32(DT_TASK_RUNNING)
      slot.pointee = fresh
      dt_seq_end(&slot.pointee.seq)
      return slot
    }
    dt_set_current_task(slot)
    ThreadExit.watch(slot)
    return slot
  }

  /// Another task's unlock of a lock `holder` holds (Go allows it). The holder removes the
  /// hold at its next lock operation, and readers hide it meanwhile; a holder that has
  /// ended writes its slot no more, so the hold is removed for it, under the registry
  /// lock that orders this with its end and with other such unlocks.
  func releaseHeld(by holder: UnsafeMutablePointer<dt_task_slot>, resource: UInt64, mode: UInt32) {
    _ = dt_task_post_remote_release(holder, resource, mode)
    dt_fence_seq_cst()
    if dt_load_acquire_u32(&holder.pointee.state) == UInt32(DT_TASK_ENDED) {
      registry.withLock { dt_task_drain_remote_releases(holder) }
    }
  }

  /// The slot of the task that ended longest ago and holds nothing, if any.
  private func reclaimEndedTaskSlot() -> Int32? {
    var best: (index: Int32, ended: UInt64)?
    for index in 0..<segment.taskCapacity {
      let slot = segment.tasks + index
      guard slot.pointee.state == UInt32(DT_TASK_ENDED), slot.pointee.held_count == 0,
        slot.pointee.held_overflow == 0
      else { continue }
      if best == nil || slot.pointee.ended_ns < best!.ended {
        best = (Int32(index), slot.pointee.ended_ns)
      }
    }
    return best?.index
  }

  func markEnded(_ slot: UnsafeMutablePointer<dt_task_slot>) {
    recordEvent(Int32(DT_EVENT_EXIT), task: slot.pointee.id)
    registry.withLock {
      dt_seq_begin(&slot.pointee.seq)
      slot.pointee.state = UInt32(DT_TASK_ENDED)
      slot.pointee.wait_kind = UInt32(DT_WAIT_NONE)
      slot.pointee.ended_ns = dt_monotonic_ns()
      dt_seq_end(&slot.pointee.seq)
      // Unlocks by other tasks posted before the state was ended; a later one sees it
      // ended and drains for itself (`releaseHeld`).
      dt_fence_seq_cst()
      dt_task_drain_remote_releases(slot)
    }
    if dt_current_task() == slot {
      dt_set_current_task(nil)
      ThreadExit.forget()
    }
  }

  func nextWaitSequence() -> UInt64 { dt_fetch_add_u64(&header.pointee.wait_sequence, 1) + 1 }

  // MARK: Resources

  struct ResourceRegistration {
    let id: UInt64
    let slot: Int32?
    /// The lock class: the name if the lock has one, else its creation site.
    let lockClass: UInt32
  }

  func registerResource(
    kind: Int32, name: String?, file: StaticString, line: UInt, function: StaticString = ""
  ) -> ResourceRegistration {
    let site = site(file, line, function)
    let now = dt_monotonic_ns()
    return registry.withLock {
      let id = nextResourceID
      nextResourceID += 1
      dt_fetch_add_u64(&header.pointee.resources_created, 1)
      let nameReference = name.map(internLocked) ?? 0
      var lockClass =
        nameReference != 0
        ? nameReference & DT_CLASS_REFERENCE : DT_CLASS_BY_SITE | (site & DT_CLASS_REFERENCE)
      if kind == Int32(DT_RESOURCE_RWMUTEX) { lockClass |= DT_CLASS_RWMUTEX }
      if kind == Int32(DT_RESOURCE_ONCE) { lockClass |= DT_CLASS_ONCE }
      guard let index = freeResourceSlots.popLast() else {
        dt_fetch_add_u64(&header.pointee.resources_dropped, 1)
        return ResourceRegistration(id: id, slot: nil, lockClass: lockClass)
      }
      let slot = segment.resources + Int(index)
      dt_seq_begin(&slot.pointee.seq)
      slot.pointee.kind = UInt32(kind)
      slot.pointee.id = id
      slot.pointee.generation &+= 1
      slot.pointee.name = nameReference
      slot.pointee.site = site
      slot.pointee.created_ns = now
      dt_store_relaxed_u64(&slot.pointee.contended, 0)
      dt_store_relaxed_u64(&slot.pointee.wait_total_ns, 0)
      dt_store_relaxed_u64(&slot.pointee.wait_max_ns, 0)
      dt_seq_end(&slot.pointee.seq)
      return ResourceRegistration(id: id, slot: index, lockClass: lockClass)
    }
  }

  func watchReferences(slot: Int32, _ resource: PublishedResource) {
    registry.withLock { watched[slot] = resource }
  }

  func unwatchReferences(slot: Int32) {
    registry.withLock { _ = watched.removeValue(forKey: slot) }
  }

  /// The sampler's pass over every watched primitive.
  func measureReferences() {
    registry.withLock { for resource in watched.values { resource.measureReferences() } }
  }

  func releaseResource(_ registration: ResourceRegistration) {
    guard let index = registration.slot else { return }
    registry.withLock {
      let slot = segment.resources + Int(index)
      dt_seq_begin(&slot.pointee.seq)
      slot.pointee.kind = UInt32(DT_RESOURCE_FREE)
      slot.pointee.id = 0
      slot.pointee.name = 0
      dt_seq_end(&slot.pointee.seq)
      freeResourceSlots.append(index)
    }
  }
}

extension Runtime {
  /// Called before a blocking acquisition: records an edge from every lock the task holds
  /// to the one it is about to take. Costs one load when the task holds nothing.
  @inline(__always)
  func noteLockOrder(
    _ task: UnsafeMutablePointer<dt_task_slot>, to lockClass: UInt32, site: UInt32, mode: UInt32
  ) {
    guard task.pointee.held_count != 0, tracksLockOrder.load(ordering: .relaxed) else { return }
    dt_task_drain_if_released_elsewhere(task)  // a lock another task unlocked is not held
    recordLockOrder(task, to: lockClass, site: site, mode: mode)
  }

  @inline(never)
  private func recordLockOrder(
    _ task: UnsafeMutablePointer<dt_task_slot>, to lockClass: UInt32, site: UInt32, mode: UInt32
  ) {
    let count = min(Int(task.pointee.held_count), Int(DT_MAX_HELD))
    withUnsafeBytes(of: &task.pointee.held) { bytes in
      for index in 0..<count {
        let held = bytes.load(fromByteOffset: index * MemoryLayout<dt_hold>.stride, as: dt_hold.self)
        // Nesting two locks of one class (hand-over-hand) is not an order between classes;
        // a hold with no class takes no part.
        guard held.lock_class != lockClass, held.lock_class != 0 else { continue }
        let key = dt_edge_key(held.lock_class, lockClass, held.mode, mode)
        if dt_edge_set_contains(edgeSet, edgeSetMask, key) != 0 { continue }
        publishEdge(key: key, from: held, to: lockClass, site: site, mode: mode, task: task.pointee.id)
      }
    }
  }

  /// Marks `lockClass` (an RWMutex's) as write-locked somewhere, once: an edge from the
  /// class to itself, exclusive both ways. A class write-locked only while nothing else
  /// is held records no order, yet a cycle through it is real.
  func noteWriteLock(_ task: UnsafeMutablePointer<dt_task_slot>, lockClass: UInt32, site: UInt32) {
    guard tracksLockOrder.load(ordering: .relaxed) else { return }
    let mode = UInt32(DT_HOLD_EXCLUSIVE)
    let key = dt_edge_key(lockClass, lockClass, mode, mode)
    if dt_edge_set_contains(edgeSet, edgeSetMask, key) != 0 { return }
    let held = dt_hold(resource: 0, site: site, mode: mode, lock_class: lockClass, reserved: 0)
    publishEdge(key: key, from: held, to: lockClass, site: site, mode: mode, task: task.pointee.id)
  }

  /// Before a read lock: if the task already holds a read lock of this very RWMutex, the
  /// read-write-read deadlock can happen (a writer that queues between the two locks
  /// waits for the first and blocks the second). Recorded once per class, as an edge from
  /// the class to itself, shared both ways, with both sites.
  func noteReadLock(
    _ task: UnsafeMutablePointer<dt_task_slot>, resource: UInt64, lockClass: UInt32, site: UInt32
  ) {
    let mode = UInt32(DT_HOLD_SHARED)
    // The task's own holds first: almost every read lock re-takes nothing.
    guard task.pointee.held_count != 0, let earlier = dt_task_find_hold(task, resource, mode),
      tracksLockOrder.load(ordering: .relaxed)
    else { return }
    let key = dt_edge_key(lockClass, lockClass, mode, mode)
    if dt_edge_set_contains(edgeSet, edgeSetMask, key) != 0 { return }
    publishEdge(key: key, from: earlier.pointee, to: lockClass, site: site, mode: mode, task: task.pointee.id)
  }

  private func publishEdge(
    key: UInt64, from held: dt_hold, to lockClass: UInt32, site: UInt32, mode: UInt32, task: UInt64
  ) {
    registry.withLock {
      guard dt_edge_set_contains(edgeSet, edgeSetMask, key) == 0 else { return }
      guard edgesUsed < segment.edgeCapacity else {
        dt_fetch_add_u64(&header.pointee.edges_dropped, 1)
        return
      }
      segment.edges[edgesUsed] = dt_edge(
        from_class: held.lock_class, to_class: lockClass, from_site: held.site, to_site: site,
        from_mode: UInt16(held.mode), to_mode: UInt16(mode), reserved: 0, task: task)
      edgesUsed += 1
      dt_store_release_u64(&header.pointee.edges_used, UInt64(edgesUsed))
      dt_edge_set_insert(edgeSet, edgeSetMask, key)
    }
  }
}

/// The calling thread's task slot, registering the thread on first use.
@inline(__always)
@usableFromInline
func currentTask() -> UnsafeMutablePointer<dt_task_slot> {
  if let slot = dt_current_task() { return slot }
  return Runtime.shared.registerCurrentThread(name: nil)
}

private func currentThreadName() -> String? {
  var buffer = [CChar](repeating: 0, count: 64)
  guard dt_get_thread_name(&buffer, buffer.count) == 0 else { return nil }
  let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  return name.isEmpty ? nil : name
}

/// Marks a thread's task ended when the thread exits, for threads the runtime did not
/// start (those registered on first use). A pthread key's destructor runs at exit.
enum ThreadExit {
  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, threadExited)
    return key
  }()

  static func watch(_ slot: UnsafeMutablePointer<dt_task_slot>) {
    pthread_setspecific(key, UnsafeRawPointer(slot))
  }

  /// The thread's task was marked ended already; its slot may be reused.
  static func forget() { pthread_setspecific(key, nil) }
}

private func threadExited(_ value: UnsafeMutableRawPointer?) {
  guard let value else { return }
  let slot = value.assumingMemoryBound(to: dt_task_slot.self)
  if slot.pointee.state != UInt32(DT_TASK_ENDED) { Runtime.shared.markEnded(slot) }
}

/// Lock-order recording (on by default; `DEADTOP_LOCK_ORDER=0` turns it off at start).
public enum LockOrderTracking {
  public static var isEnabled: Bool {
    get { Runtime.shared.tracksLockOrder.load(ordering: .relaxed) }
    set { Runtime.shared.tracksLockOrder.store(newValue, ordering: .relaxed) }
  }
}
