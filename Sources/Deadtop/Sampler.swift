import DeadtopABI
import DeadtopRuntimeC
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// Go's sysmon for the runtime: a thread (not a task) that wakes every interval, appends
/// a schedtrace record to the ring, and bumps the heartbeat so that deadtop can tell a
/// live runtime from a frozen process. `DEADTOP_SCHEDTRACE=MS` also prints each record
/// to standard error; `DEADTOP_SCHEDTRACE_MS` only sets the interval; `DEADTOP_SAMPLER=0`
/// turns it off.
final class Sampler: @unchecked Sendable {
  let interval: UInt64
  let printsToStandardError: Bool
  private let runtime: Runtime
  private var previous = Totals()

  struct Totals {
    var acquisitions: UInt64 = 0
    var contended: UInt64 = 0
    var blocks: UInt64 = 0
    var wakeups: UInt64 = 0
    var sends: UInt64 = 0
    var receives: UInt64 = 0
    var timeouts: UInt64 = 0
    var voluntary: UInt64 = 0
    var involuntary: UInt64 = 0
    var cpu: UInt64 = 0
  }

  static let headOfSlot = MemoryLayout<dt_task_slot>.offset(of: \dt_task_slot.held)!

  /// Starts the sampler unless it is turned off; returns whether it runs.
  static func start(for runtime: Runtime) -> Bool {
    let environment = Environment()
    guard environment.string("DEADTOP_SAMPLER") != "0" else { return false }
    let printed = environment.string("DEADTOP_SCHEDTRACE").flatMap { Int($0) }
    let milliseconds =
      printed ?? environment.integer("DEADTOP_SCHEDTRACE_MS", default: 1000, range: 10...3_600_000)
    let watchdog = DeadlockWatchdog(environment.string("DEADTOP_ON_DEADLOCK"))
    guard runtime.segment.publishedName != nil || printed != nil || watchdog != nil else { return false }
    let sampler = Sampler(
      runtime: runtime, interval: UInt64(max(10, milliseconds)) * 1_000_000, prints: printed != nil,
      watchdog: watchdog)
    runtime.header.pointee.schedtrace_interval_ns = sampler.interval
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let context = Unmanaged.passRetained(sampler).toOpaque()
    let started = pthread_create(&thread, &attributes, runSampler, context) == 0
    if !started { Unmanaged<Sampler>.fromOpaque(context).release() }
    pthread_attr_destroy(&attributes)
    return started
  }

  private let watchdog: DeadlockWatchdog?

  private init(runtime: Runtime, interval: UInt64, prints: Bool, watchdog: DeadlockWatchdog?) {
    self.runtime = runtime
    self.interval = interval
    printsToStandardError = prints
    self.watchdog = watchdog
  }

  /// How often the sampler wakes: reference counts and the deadlock check need a
  /// quarter second, whatever the schedtrace interval.
  static let tick: UInt64 = 250_000_000

  func run() -> Never {
    dt_set_thread_name("deadtop-sampler")
    previous = totals(tasks: scanTasks().totals)
    let tick = min(interval, Self.tick)
    var nextRecord = dt_monotonic_ns() + interval
    while true {
      var pause = timespec(tv_sec: Int(tick / 1_000_000_000), tv_nsec: Int(tick % 1_000_000_000))
      var left = timespec()
      while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
      runtime.measureReferences()
      if dt_monotonic_ns() + tick / 2 >= nextRecord {
        sample()
        nextRecord += interval
      }
      watchdog?.check()
    }
  }

  /// One record: task states and waits from the slots, threads from /proc/self/task,
  /// switches and CPU from getrusage, counter deltas since the last record.
  func sample() {
    let now = dt_monotonic_ns()
    let scan = scanTasks()
    let current = totals(tasks: scan.totals)
    let threads = threadStates(parked: scan.parked)
    var record = scan.record
    record.time_ns = now
    record.interval_ns = interval
    record.os_threads = threads.total
    record.os_runnable = threads.runnable
    record.os_disk_wait = threads.diskWait
    record.acquisitions = current.acquisitions &- previous.acquisitions
    record.contended = current.contended &- previous.contended
    record.blocks = current.blocks &- previous.blocks
    record.wakeups = current.wakeups &- previous.wakeups
    record.sends = current.sends &- previous.sends
    record.receives = current.receives &- previous.receives
    record.timeouts = current.timeouts &- previous.timeouts
    record.voluntary_switches = current.voluntary &- previous.voluntary
    record.involuntary_switches = current.involuntary &- previous.involuntary
    record.cpu_ns = current.cpu &- previous.cpu
    previous = current

    let header = runtime.header
    let index = dt_load_relaxed_u64(&header.pointee.schedtrace_head)
    let slot = runtime.segment.schedtrace + Int(index % UInt64(runtime.segment.schedtraceCapacity))
    dt_seq_begin(&slot.pointee.seq)
    record.seq = slot.pointee.seq
    slot.pointee = record
    dt_seq_end(&slot.pointee.seq)
    dt_store_release_u64(&header.pointee.schedtrace_head, index + 1)
    dt_store_relaxed_u64(&header.pointee.heartbeat_ns, now)
    dt_fetch_add_u64(&header.pointee.heartbeat, 1)

    if printsToStandardError {
      let sinceStart = now &- header.pointee.clock_base_monotonic_ns
      writeToStandardError(SegmentDecoder.line(of: record, sinceStart: sinceStart) + "\n")
    }
  }

  /// Counts tasks by state and wait from consistent copies of the slots.
  /// Also the OS threads of the blocked tasks (asleep in a futex or a sleep), sorted.
  private func scanTasks() -> (record: dt_sched_record, totals: Totals, parked: [Int32]) {
    var record = dt_sched_record()
    var totals = Totals()
    var parked: [Int32] = []
    let now = dt_monotonic_ns()
    var copy = dt_task_slot()
    for index in 0..<runtime.segment.taskCapacity {
      let slot = runtime.segment.tasks + index
      guard dt_load_relaxed_u32(&slot.pointee.state) != UInt32(DT_TASK_FREE) else { continue }
      // Everything before the held locks: the sampler needs states, waits and counters.
      let consistent = withUnsafeMutableBytes(of: &copy) {
        dt_seq_read(slot, $0.baseAddress, Self.headOfSlot, 8) == 1
      }
      guard consistent, copy.id != 0 else { continue }
      totals.acquisitions &+= copy.acquisitions
      totals.contended &+= copy.contended
      totals.blocks &+= copy.blocks
      totals.wakeups &+= copy.wakeups
      totals.sends &+= copy.sends
      totals.receives &+= copy.receives
      record.tasks += 1
      switch Int(copy.state) {
      case Int(DT_TASK_RUNNING): record.running += 1
      case Int(DT_TASK_ENDED): record.ended += 1
      case Int(DT_TASK_BLOCKED):
        record.blocked += 1
        if copy.tid > 0 { parked.append(copy.tid) }
        switch Int(copy.wait_kind) {
        case Int(DT_WAIT_MUTEX): record.waiting_mutex += 1
        case Int(DT_WAIT_READ_LOCK), Int(DT_WAIT_WRITE_LOCK): record.waiting_rwlock += 1
        case Int(DT_WAIT_JOIN): record.waiting_join += 1
        case Int(DT_WAIT_SEND): record.waiting_send += 1
        case Int(DT_WAIT_RECEIVE): record.waiting_receive += 1
        case Int(DT_WAIT_SELECT): record.waiting_select += 1
        case Int(DT_WAIT_WAITGROUP): record.waiting_waitgroup += 1
        case Int(DT_WAIT_COND): record.waiting_cond += 1
        case Int(DT_WAIT_SEMAPHORE): record.waiting_semaphore += 1
        case Int(DT_WAIT_SLEEP): record.waiting_sleep += 1
        default: record.waiting_other += 1
        }
        let waited = now > copy.wait_since_ns ? now - copy.wait_since_ns : 0
        if waited > record.longest_wait_ns {
          record.longest_wait_ns = waited
          record.longest_wait_task = copy.id
        }
      default: break
      }
    }
    return (record, totals, parked.sorted())
  }

  private func totals(tasks: Totals) -> Totals {
    var result = tasks
    result.timeouts = runtime.timeouts.load(ordering: .relaxed)
    var usage = rusage()
    if getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 {
      result.voluntary = UInt64(max(0, usage.ru_nvcsw))
      result.involuntary = UInt64(max(0, usage.ru_nivcsw))
      let user = UInt64(usage.ru_utime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_utime.tv_usec) * 1000
      let system = UInt64(usage.ru_stime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_stime.tv_usec) * 1000
      result.cpu = user + system
    }
    return result
  }

  /// OS threads of this process, and how many are runnable or in uninterruptible sleep.
  private func threadStates(parked: [Int32]) -> (total: UInt32, runnable: UInt32, diskWait: UInt32) {
    var total: UInt32 = 0
    var runnable: UInt32 = 0
    var diskWait: UInt32 = 0
    parked.withUnsafeBufferPointer {
      dt_count_own_threads(&total, &runnable, &diskWait, $0.baseAddress, $0.count)
    }
    return (total, runnable, diskWait)
  }
}

private func runSampler(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  Unmanaged<Sampler>.fromOpaque(context!).takeRetainedValue().run()
}
