#if canImport(Glibc)
  import Glibc
#endif

/// `DispatchQueue.sync` waits in an unmodified Swift (or C) program, resolved to the queue
/// and the thread draining it, from libdispatch's own memory read through
/// /proc/<pid>/mem (pread: nothing is stopped).
///
/// A thread in `dispatch_sync` onto a busy serial queue sleeps in FUTEX_WAIT with the
/// expected value 0xffffffff, on the event inside a sync context on its own stack. The
/// word 40 bytes before that event points to the queue it waits for; the queue's
/// `dq_state` holds the draining thread's tid in its low 30 bits, as a PI futex does.
/// The queue's layout comes from libdispatch's exported `dispatch_queue_offsets`
/// (label, serial number, width); `dq_state` sits just before the serial number in every
/// libdispatch that exports version 6 of that table. Every read is validated: a wrong
/// guess gives "unknown owner", never a wrong edge.
struct DispatchLayout: Equatable {
  let label: UInt64
  let width: UInt64
  let state: UInt64
  /// The vtables that mark a dispatch semaphore and a dispatch group (from libdispatch's
  /// full symbol table; nil when it was stripped, and those waits stay plain futexes).
  let semaphoreVtable: UInt64?
  let groupVtable: UInt64?
  /// The sync context's queue pointer, before its event (the futex word).
  static let contextQueueBeforeEvent: UInt64 = 40
  /// The main queue is drained by the main thread alone.
  static let mainQueueLabel = "com.apple.main-thread"

  /// Reads `dispatch_queue_offsets` of the mapped libdispatch; nil when there is none or
  /// it is not a layout this reader knows.
  init?(symbols: inout SymbolTable, memory: ProcessMemory) {
    guard let table = symbols.address(of: "dispatch_queue_offsets", inLibrary: "libdispatch.so"),
      let fields = memory.uint16s(at: table, count: 9)
    else { return nil }
    self.init(
      queueOffsets: fields,
      semaphoreVtable: symbols.address(of: "__OS_dispatch_semaphore_vtable", inLibrary: "libdispatch.so"),
      groupVtable: symbols.address(of: "__OS_dispatch_group_vtable", inLibrary: "libdispatch.so"))
  }

  /// From the nine fields of `dispatch_queue_offsets`: version, label, its size, flags,
  /// their size, serial number, its size, width, its size. Only version 6 with the sizes
  /// and order of every libdispatch that exports it validates.
  init?(queueOffsets fields: [UInt16], semaphoreVtable: UInt64?, groupVtable: UInt64?) {
    guard fields.count == 9 else { return nil }
    let (version, label, labelSize, serial, serialSize, width, widthSize) =
      (fields[0], fields[1], fields[2], fields[5], fields[6], fields[7], fields[8])
    guard version == 6, labelSize == 8, serialSize == 8, widthSize == 2, serial >= 16, label == serial + 8,
      width > label
    else { return nil }
    self.label = UInt64(label)
    self.width = UInt64(width)
    state = UInt64(serial) - 8
    self.semaphoreVtable = semaphoreVtable
    self.groupVtable = groupVtable
  }

  // The object header every dispatch object starts with: vtable, two reference counts,
  // do_next, target queue, context, finalizer (DISPATCH_OBJECT_HEADER, 48 bytes).
  static let nextObject: UInt64 = 16
  /// A semaphore's futex (dsema_sema) follows its value and original value.
  static let semaphoreFutex: UInt64 = 64
  static let semaphoreValue: UInt64 = 48
  /// A group waits on its generation (dg_gen), the high half of dg_state.
  static let groupFutex: UInt64 = 52
  static let groupBits: UInt64 = 48

  /// A dispatch semaphore or group whose futex is at `address`, told by its vtable.
  enum Synchronizer: Equatable {
    /// `value` is dsema_value: negative, minus the number of waiters.
    case semaphore(object: UInt64, value: Int64)
    case group(object: UInt64)
  }

  func synchronizer(waitedOnAt address: UInt64, memory: ProcessMemory) -> Synchronizer? {
    if let vtable = semaphoreVtable, address >= Self.semaphoreFutex,
      memory.uint64(at: address - Self.semaphoreFutex) == vtable,
      let value = memory.uint64(at: address - Self.semaphoreFutex + Self.semaphoreValue)
    {
      return .semaphore(object: address - Self.semaphoreFutex, value: Int64(bitPattern: value))
    }
    if let vtable = groupVtable, address >= Self.groupFutex,
      memory.uint64(at: address - Self.groupFutex) == vtable
    {
      return .group(object: address - Self.groupFutex)
    }
    return nil
  }

  /// A lane's queued items: dq_items_tail is the pointer just before dq_state, and
  /// dq_items_head follows the width, priority, specifics and sref count.
  var itemsTail: UInt64 { state - 8 }
  var itemsHead: UInt64 { width + 24 }

  /// How many items a queue holds waiting to run, walked along do_next (at most `limit`).
  func queuedItems(of queue: UInt64, memory: ProcessMemory, limit: Int) -> Int? {
    guard let tail = memory.uint64(at: queue + itemsTail), var item = memory.uint64(at: queue + itemsHead)
    else {
      return nil
    }
    if tail == 0 { return 0 }
    var count = 0
    while item != 0 && count < limit {
      count += 1
      if item == tail { return count }
      guard let next = memory.uint64(at: item + Self.nextObject) else { return nil }
      item = next
    }
    // An enqueue in flight links the tail before its predecessor's do_next: at least this many.
    return count
  }

  /// Work items running on a concurrent queue now: dq_state's width field counts them
  /// above DISPATCH_QUEUE_WIDTH_FULL minus the queue's width.
  static func itemsRunning(state: UInt64, width: Int) -> Int {
    let field = Int((state & 0x003f_fe00_0000_0000) >> 41)
    return max(0, field - (0x1000 - width))
  }

  struct Queue: Equatable {
    let address: UInt64
    let label: String?
    /// 1 for a serial queue.
    let width: Int
    /// The thread draining it (a live thread of the process), when known.
    let drainer: Int32?
    /// Work items running on it now (a concurrent queue's used width).
    var running = 0
  }

  /// The queue a `dispatch_sync` waiter sleeps for, or nil when the memory does not look
  /// like a sync context pointing to a queue.
  ///
  /// The context names the queue `sync` was called on. When `waiter` itself holds that
  /// queue, it waits for the queue's target (a queue made with `target:`): the wait is
  /// for the first queue up the hierarchy that it could not acquire.
  func queue(
    waitedOnAt event: UInt64, by waiter: Int32, memory: ProcessMemory, live: Set<Int32>, mainThread: Int32
  ) -> Queue? {
    guard event >= Self.contextQueueBeforeEvent,
      let address = memory.uint64(at: event - Self.contextQueueBeforeEvent),
      var queue = queue(at: address, memory: memory, live: live, mainThread: mainThread)
    else { return nil }
    for _ in 0..<Self.targetHops where queue.width == 1 && queue.drainer == waiter {
      guard let target = memory.uint64(at: queue.address + Self.targetQueue),
        let next = self.queue(at: target, memory: memory, live: live, mainThread: mainThread), next.width == 1
      else { break }
      queue = next
    }
    return queue
  }

  /// A queue's target queue (do_targetq), after the vtable, the counts and do_next.
  static let targetQueue: UInt64 = 24
  /// How far up a hierarchy of serial queues a wait is followed.
  static let targetHops = 8

  /// The queue at `address`, or nil when the memory there does not look like one.
  func queue(at address: UInt64, memory: ProcessMemory, live: Set<Int32>, mainThread: Int32) -> Queue? {
    guard address % 8 == 0, address > 0x10000,
      let labelPointer = memory.uint64(at: address + label),
      let widthValue = memory.uint16s(at: address + width, count: 1)?.first, widthValue >= 1,
      let stateValue = memory.uint64(at: address + state)
    else { return nil }
    let name = labelPointer == 0 ? nil : memory.cString(at: labelPointer, limit: 256)
    // A label that is not printable text means the guess was wrong: not a queue.
    if labelPointer != 0 && name == nil { return nil }
    let width = Int(widthValue)
    var drainer: Int32?
    if width == 1 {
      let owner = Int32(truncatingIfNeeded: stateValue & 0x3fff_ffff)
      drainer = live.contains(owner) ? owner : nil
      // Nobody drains the main queue but the main thread, which must come back to it.
      if drainer == nil && name == Self.mainQueueLabel { drainer = mainThread }
    }
    return Queue(
      address: address, label: name, width: width, drainer: drainer,
      running: Self.itemsRunning(state: stateValue, width: width))
  }
}
