#if canImport(Glibc)
  import Glibc
#endif

/// What a futex wait is, from the syscall's arguments and the memory around the word.
enum FutexResolver {
  enum Resolution: Equatable {
    /// pthread_join: the futex is the joined thread's tid word.
    case join(Int32)
    /// A glibc pthread_mutex_t (owner at +8, kind at +16) or a PI futex (owner in the word).
    case mutex(owner: Int32?, kind: String)
    /// A glibc pthread_rwlock_t held for writing (writer at +24 from its start).
    case rwlock(base: UInt64, writer: Int32, asWriter: Bool)
    /// `dispatch_sync` onto a libdispatch queue (DispatchLayout).
    case dispatchQueue(DispatchLayout.Queue)
    /// `DispatchSemaphore.wait` or `DispatchGroup.wait`: no owner.
    case dispatchSynchronizer(DispatchLayout.Synchronizer)
    /// `dispatch_once` (and libdispatch's other gates): waiters sleep on the gate, which
    /// holds the initializing thread's tid with the waiters bit.
    case once(owner: Int32)
    case unknown
  }

  static func resolve(
    address: UInt64, operation: UInt64, expected: UInt64, waiter: Int32, live: Set<Int32>,
    memory: ProcessMemory?, dispatch: DispatchLayout? = nil, mainThread: Int32 = 0
  ) -> Resolution {
    let command = operation & 127
    guard let memory else {
      return command == 6 || command == 13 ? .mutex(owner: nil, kind: "priority-inheritance") : .unknown
    }
    // dispatch_sync sleeps on its sync context's event, expecting 0xffffffff.
    if let dispatch, expected == 0xffff_ffff, command == 0 || command == 9,
      let queue = dispatch.queue(
        waitedOnAt: address, by: waiter, memory: memory, live: live, mainThread: mainThread)
    {
      return .dispatchQueue(queue)
    }
    if let dispatch, command == 0 || command == 9,
      let synchronizer = dispatch.synchronizer(waitedOnAt: address, memory: memory)
    {
      return .dispatchSynchronizer(synchronizer)
    }
    let word = memory.int32(at: address)
    if command == 6 || command == 13 {  // FUTEX_LOCK_PI(2): the word holds the owner's tid
      let owner = word.map { $0 & 0x3fff_ffff }
      return .mutex(owner: owner.flatMap { live.contains($0) ? $0 : nil }, kind: "priority-inheritance")
    }
    // pthread_join waits until the joined thread's tid word, which holds its tid, clears.
    if let value = Int32(exactly: expected), value > 0, live.contains(value), value != waiter, word == value {
      return .join(value)
    }
    // glibc pthread_mutex_t: __lock at +0 (the futex), __owner at +8, __kind at +16.
    if let owner = memory.int32(at: address + 8), live.contains(owner), let word, word != 0 {
      let kind = memory.int32(at: address + 16).map { kindName($0) } ?? "glibc"
      return .mutex(owner: owner, kind: kind)
    }
    // A dispatch gate (dispatch_once): the word and the expected value are the owner's
    // tid with DLOCK_WAITERS_BIT (0x80000000), the same in both.
    if dispatch != nil, command == 0 || command == 9, expected & 0x8000_0000 != 0, expected <= 0xffff_ffff,
      let word, UInt32(bitPattern: word) == UInt32(expected)
    {
      let owner = Int32(expected & 0x3fff_ffff)
      if owner != waiter, live.contains(owner) { return .once(owner: owner) }
    }
    // glibc pthread_rwlock_t: readers wait on __wrphase_futex (+8), writers on
    // __writers_futex (+12); __cur_writer (+24) holds the writer's tid.
    for (offset, asWriter) in [(UInt64(8), false), (UInt64(12), true)] where address >= offset {
      let base = address - offset
      if let writer = memory.int32(at: base + 24), live.contains(writer) {
        return .rwlock(base: base, writer: writer, asWriter: asWriter)
      }
    }
    return .unknown
  }

  static func kindName(_ kind: Int32) -> String {
    switch kind & 3 {
    case 0: "normal"
    case 1: "recursive"
    case 2: "error-checking"
    default: "adaptive"
    }
  }
}
