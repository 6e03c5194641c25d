import DeadtopABI
import DeadtopCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a process that does not link the runtime through /proc: its threads, their
/// kernel state and system call, and for threads blocked in `futex`, the thread that
/// owns the lock (glibc mutexes and rwlocks, priority-inheritance futexes, joins).
/// It only reads: /proc files and /proc/<pid>/mem; the process never stops.
public final class ProcSource: SnapshotSource {
  public let pid: Int32
  private let root: String
  private let startTime: UInt64
  private var symbols: SymbolTable
  /// When each (thread, futex) wait was first seen, and its stable episode number.
  private var waitsSeen: [WaitKey: (since: UInt64, sequence: UInt64)] = [:]
  private var nextSequence: UInt64 = 1
  /// Where each wait was called in the program's own code, found once per episode.
  private var waitSites = WaitSites()
  /// The threads' stat and syscall files, kept open between snapshots.
  private let threadFiles = ThreadFiles()
  private var objectOwners = ObjectOwners()
  /// Said once per snapshot when something could not be read, with what is missing.
  private var permissionProblems: Set<String> = []

  struct WaitKey: Hashable {
    let tid: Int32
    let address: UInt64
  }

  public init(pid: Int32) throws {
    guard processExists(pid) else { throw AttachError.noSuchProcess(pid: pid) }
    self.pid = pid
    root = "/proc/\(pid)"
    var ticks: UInt64 = 0
    startTime = dt_process_start_time(pid, &ticks) == 0 ? ticks : 0
    symbols = SymbolTable(pid: pid)
  }

  public var processName: String { commandName(of: pid) ?? "pid \(pid)" }

  public func snapshot() throws -> Snapshot {
    var ticks: UInt64 = 0
    guard dt_process_start_time(pid, &ticks) == 0, ticks == startTime else {
      throw AttachError.stale(pid: pid, path: root, reason: "process \(pid) has exited")
    }
    permissionProblems = []
    names = [:]
    let now = dt_monotonic_ns()
    let taskDirectory = open("\(root)/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer { if taskDirectory >= 0 { close(taskDirectory) } }
    let tids = taskDirectory >= 0 ? threadIDs(inTaskDirectory: taskDirectory) : []
    let live = Set(tids)
    threadFiles.keep(live)
    let memory = ProcessMemory(pid: pid)
    if memory == nil { permissionProblems.insert(Self.memoryProblem(pid)) }

    var threads:
      [(tid: Int32, name: String, state: Character, cpu: Double?, syscall: Syscall?, started: UInt64)] =
        []
    var hiddenSyscalls = false
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    for tid in tids {
      // A thread that just exited has no stat any more.
      guard let stat = threadFiles.read("stat", of: tid, in: taskDirectory, ThreadStat.init) else { continue }
      var cpu: Double?
      if let user = stat.userTicks, let system = stat.systemTicks {
        cpu = Double(user + system) / ticksPerSecond
      }
      // The thread's start in clock ticks after boot (the monotonic clock's origin).
      let started = stat.startTicks.map(Self.startedAt) ?? 0
      let syscall = threadFiles.read("syscall", of: tid, in: taskDirectory) { bytes -> Syscall?? in
        .some(Syscall(bytes: bytes))
      }
      if syscall == nil && (errno == EACCES || errno == EPERM) {
        permissionProblems.insert(Self.syscallProblem(pid))
        hiddenSyscalls = true
      }
      threads.append((tid, stat.name, stat.state, cpu, syscall ?? nil, started))
    }

    // Resolve every futex wait to a lock and, where possible, its owner.
    var resources: [UInt64: ResourceInfo] = [:]
    var holds: [Int32: [Hold]] = [:]
    var waits: [Int32: Wait] = [:]
    var details: [Int32: String] = [:]
    var seen: Set<WaitKey> = []
    var deadlines: [Int32: UInt64] = [:]
    var sites: [Int32: CallSite] = [:]
    for thread in threads {
      guard let syscall = thread.syscall else { continue }
      guard syscall.isFutexWait else {
        details[thread.tid] = syscall.describe()
        if syscall.isSleep {
          // A sleep ends by itself: shown as one, never deadlocked.
          let episode = episode(of: WaitKey(tid: thread.tid, address: Self.sleepKey), now: now, seen: &seen)
          waits[thread.tid] = Wait(
            kind: .sleep, target: .resource(0), sinceNanoseconds: episode.since, sequence: episode.sequence)
        }
        continue
      }
      let address = syscall.arguments[0]
      let resolution = FutexResolver.resolve(
        address: address, operation: syscall.arguments[1], expected: syscall.arguments[2],
        waiter: thread.tid, live: live, memory: memory, dispatch: dispatchLayout(memory), mainThread: pid)
      let key = WaitKey(tid: thread.tid, address: address)
      let resourceID = address
      let episode = episode(of: key, now: now, seen: &seen)
      if let deadline = Self.deadline(of: syscall, since: episode.since, memory: memory) {
        deadlines[thread.tid] = deadline
      }
      sites[thread.tid] = waitSites.site(
        of: key, stackPointer: syscall.stackPointer, memory: memory, symbols: &symbols)
      /// A one-time initializer that `owner` runs and this thread waits for.
      func waitForOnce(named name: String, owner: Int32?, detail: String) {
        resources[resourceID] = ResourceInfo(id: resourceID, kind: .once, name: name)
        if let owner { holds[owner, default: []].append(Hold(resource: resourceID, mode: .exclusive)) }
        waits[thread.tid] = Wait(
          kind: .once, target: .resource(resourceID), sinceNanoseconds: episode.since,
          sequence: episode.sequence)
        details[thread.tid] = detail
      }
      switch resolution {
      case .join(let joined):
        waits[thread.tid] = Wait(
          kind: .join, target: .task(UInt64(joined)), sinceNanoseconds: episode.since,
          sequence: episode.sequence)
        continue
      case .once(let owner):
        waitForOnce(
          named: name(for: address), owner: owner, detail: "dispatch_once: waits for its initializer")
      case .mutex(let owner, let kind):
        let symbol = name(for: address)
        // Swift's `static let` and lazy globals: swift_once takes a PI lock in the token.
        if let initialized = SwiftSymbols.onceToken(symbol) {
          waitForOnce(
            named: initialized, owner: owner,
            detail: "swift_once: waits for the initializer of \(initialized)")
          continue
        }
        resources[resourceID] = ResourceInfo(
          id: resourceID, kind: .mutex, name: objectName(for: address, symbol: symbol, memory: memory))
        if let owner {
          holds[owner, default: []].append(Hold(resource: resourceID, mode: .exclusive))
        }
        waits[thread.tid] = Wait(
          kind: .mutex, target: .resource(resourceID), sinceNanoseconds: episode.since,
          sequence: episode.sequence)
        details[thread.tid] = "futex wait on a \(kind) mutex"
      case .rwlock(let base, let writer, let asWriter):
        let lockID = base
        resources[lockID] = ResourceInfo(id: lockID, kind: .rwMutex, name: name(for: base))
        holds[writer, default: []].append(Hold(resource: lockID, mode: .exclusive))
        waits[thread.tid] = Wait(
          kind: asWriter ? .writeLock : .readLock, target: .resource(lockID),
          sinceNanoseconds: episode.since, sequence: episode.sequence)
      case .dispatchQueue(let queue):
        resources[queue.address] = ResourceInfo(
          id: queue.address, kind: .dispatchQueue, name: queue.label ?? name(for: queue.address),
          capacity: queue.width)
        if let drainer = queue.drainer, drainer != thread.tid {
          holds[drainer, default: []].append(Hold(resource: queue.address, mode: .exclusive))
        }
        waits[thread.tid] = Wait(
          kind: .dispatchSync, target: .resource(queue.address), sinceNanoseconds: episode.since,
          sequence: episode.sequence)
        details[thread.tid] = "dispatch_sync onto a \(queue.width == 1 ? "serial" : "concurrent") queue"
      case .dispatchSynchronizer(let synchronizer):
        let object: UInt64
        switch synchronizer {
        case .semaphore(let address, let value):
          object = address
          // A worker of libdispatch's own pool waits on its root queue's semaphore for
          // work, and leaves after a while: idle, never stuck.
          if name(for: object).hasPrefix("_dispatch_pthread_root_queue_contexts") {
            waits[thread.tid] = Wait(
              kind: .sleep, target: .resource(0), sinceNanoseconds: episode.since, sequence: episode.sequence)
            details[thread.tid] = "an idle libdispatch worker, waiting for work"
            continue
          }
          if resources[object] == nil {
            resources[object] = ResourceInfo(
              id: object, kind: .dispatchSemaphore, name: objectName(for: object, memory: memory))
          }
          resources[object]?.count = value < 0 ? Int(clamping: -value) : 0
        case .group(let address):
          object = address
          resources[object] = ResourceInfo(
            id: object, kind: .dispatchGroup, name: objectName(for: object, memory: memory))
        }
        waits[thread.tid] = Wait(
          kind: .futex, target: .resource(object), sinceNanoseconds: episode.since, sequence: episode.sequence
        )
      case .unknown:
        resources[resourceID] = ResourceInfo(id: resourceID, kind: .futex, name: name(for: address))
        waits[thread.tid] = Wait(
          kind: .futex, target: .resource(resourceID), sinceNanoseconds: episode.since,
          sequence: episode.sequence)
      }
    }
    waitsSeen = waitsSeen.filter { seen.contains($0.key) }
    // A wait's start is when this source first saw it: the time waited is at least that.
    for tid in waits.keys { waits[tid]?.sinceIsLowerBound = true }
    // A futex wait with a timeout ends by itself, like a sleep.
    for (tid, deadline) in deadlines { waits[tid]?.deadlineNanoseconds = deadline }
    for (tid, site) in sites { waits[tid]?.site = site }
    waitSites.keep(seen)

    let pools = threadPools(memory: memory, threads: threads.map { ($0.tid, $0.syscall) }, waits: waits)
    for pool in pools {
      for id in pool.threads {
        details[Int32(id)] = (details[Int32(id)].map { $0 + "; " } ?? "") + "runs a Swift async job"
      }
    }

    let tasks = threads.map { thread -> TaskInfo in
      let wait = waits[thread.tid]
      let state: TaskState =
        thread.state == "Z" || thread.state == "X" ? .ended : wait != nil ? .blocked : .running
      let detail =
        details[thread.tid].map { "\(Self.kernelState(thread.state)), \($0)" }
        ?? Self.kernelState(thread.state)
      return TaskInfo(
        id: UInt64(thread.tid), osThreadID: thread.tid,
        name: thread.tid == pid ? "\(thread.name) (main)" : thread.name,
        state: state, wait: wait, holds: holds[thread.tid] ?? [], createdAtNanoseconds: thread.started,
        detail: detail, cpuSeconds: thread.cpu)
    }
    var snapshot = Snapshot(
      process: ProcessSummary(
        pid: pid, name: processName, source: .proc, startedAtNanoseconds: Self.startedAt(ticks: startTime)),
      takenAtNanoseconds: now, tasks: tasks, resources: resources.values.sorted { $0.id < $1.id },
      warnings: permissionProblems.sorted())
    snapshot.pools = pools
    // A verdict needs what sleeping threads wait on, and, for a lock wait, its owner.
    let sleeping = threads.contains { $0.state == "S" || $0.state == "D" }
    if hiddenSyscalls && sleeping { snapshot.hiddenFacts.append("what its threads wait on") }
    if memory == nil && waits.values.contains(where: { $0.kind == .futex || $0.kind == .mutex }) {
      snapshot.hiddenFacts.append("who holds the locks its threads wait for")
    }
    return snapshot
  }

  /// libdispatch's queue layout, read once from the process (nil without libdispatch).
  private var dispatch: DispatchLayout??

  private func dispatchLayout(_ memory: ProcessMemory?) -> DispatchLayout? {
    if let known = dispatch { return known }
    guard let memory else { return nil }
    let layout = DispatchLayout(symbols: &symbols, memory: memory)
    dispatch = .some(layout)
    return layout
  }

  /// Names of the addresses waited on this snapshot: a thousand waiters on one lock ask
  /// for its name a thousand times.
  private var names: [UInt64: String] = [:]

  private func name(for address: UInt64) -> String {
    if let known = names[address] { return known }
    let name = symbols.name(for: address)
    names[address] = name
    return name
  }

  /// The name of a lock or a dispatch object: its symbol, or for one on the heap the
  /// global that reaches it (`registryLock (NSLock)`), else its address.
  private func objectName(for address: UInt64, symbol: String? = nil, memory: ProcessMemory?) -> String {
    let symbol = symbol ?? name(for: address)
    // No symbol: the name is the address (and its mapping, when known).
    guard symbol.hasPrefix("0x"), let memory else { return symbol }
    return objectOwners.owner(of: address, memory: memory, symbols: &symbols) ?? symbol
  }

  /// The Swift runtime's pool reader, made once (nil without libswift_Concurrency).
  private var concurrency: ConcurrencyPool??

  /// The Swift concurrency pool, summed over its priorities. Stacks are read only when
  /// all its width is in use (only then can it starve), and only of blocked threads.
  private func threadPools(
    memory: ProcessMemory?, threads: [(tid: Int32, syscall: Syscall?)], waits: [Int32: Wait]
  )
    -> [ThreadPool]
  {
    guard let memory, let dispatch = dispatchLayout(memory) else { return [] }
    if concurrency == nil { concurrency = .some(ConcurrencyPool(symbols: &symbols)) }
    guard let reader = concurrency ?? nil else { return [] }
    let queues = reader.queues(memory: memory, dispatch: dispatch)
    guard !queues.isEmpty else { return [] }
    let width = queues.reduce(0) { $0 + $1.width }
    let running = queues.reduce(0) { $0 + $1.running }
    var runners: [TaskID] = []
    if running >= width {
      for thread in threads where waits[thread.tid] != nil {
        if let pointer = thread.syscall?.stackPointer, reader.runsJob(stackPointer: pointer, memory: memory) {
          runners.append(TaskID(thread.tid))
        }
      }
    }
    let queued = queues.allSatisfy { $0.queued != nil } ? queues.reduce(0) { $0 + ($1.queued ?? 0) } : nil
    return [
      ThreadPool(
        name: "Swift concurrency pool", width: width, running: running, threads: runners, queued: queued)
    ]
  }

  /// A sleep's key among the waits seen (no futex has this address).
  static let sleepKey = UInt64.max

  /// When a wait was first seen and its episode number, the same while it lasts.
  private func episode(of key: WaitKey, now: UInt64, seen: inout Set<WaitKey>) -> (
    since: UInt64, sequence: UInt64
  ) {
    seen.insert(key)
    if let known = waitsSeen[key] { return known }
    waitsSeen[key] = (now, nextSequence)
    nextSequence += 1
    return waitsSeen[key]!
  }
}
