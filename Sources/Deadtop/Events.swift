import DeadtopABI
import DeadtopRuntimeC

/// The event ring and the contention profile: written on slow paths only (going to
/// sleep, waking, handing a lock over, spawning, ending), never on an uncontended one.
extension Runtime {
  func recordEvent(
    _ kind: Int32, task: UInt64, target: UInt64 = 0, site: UInt32 = 0, detail: UInt32 = 0,
    duration: UInt64 = 0, time: UInt64? = nil
  ) {
    let index = dt_fetch_add_u64(&header.pointee.events_head, 1)
    let slot = segment.events + Int(index % UInt64(segment.eventCapacity))
    dt_seq_begin(&slot.pointee.seq)
    slot.pointee.kind = UInt32(kind)
    slot.pointee.time_ns = time ?? dt_monotonic_ns()
    slot.pointee.task = task
    slot.pointee.target = target
    slot.pointee.site = site
    slot.pointee.detail = detail
    slot.pointee.duration_ns = duration
    dt_seq_end(&slot.pointee.seq)
  }

  /// A task got a lock it went to sleep for at `since`: its slot, the wake event and both
  /// contention profiles.
  func endContendedWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, registration: ResourceRegistration, site: UInt32,
    kind: Int32, since: UInt64
  ) {
    dt_task_end_wait(task)
    dt_task_count_contended(task)
    let waited = dt_monotonic_ns() &- since
    recordEvent(
      Int32(DT_EVENT_WAKE), task: task.pointee.id, target: registration.id, site: site, detail: UInt32(kind),
      duration: waited)
    if let index = registration.slot {
      let slot = segment.resources + Int(index)
      dt_fetch_add_u64(&slot.pointee.contended, 1)
      dt_fetch_add_u64(&slot.pointee.wait_total_ns, waited)
      dt_fetch_max_u64(&slot.pointee.wait_max_ns, waited)
    }
    if site != 0 && Int(site) <= segment.siteCapacity {
      let entry = segment.sites + Int(site - 1)
      dt_fetch_add_u64(&entry.pointee.contended, 1)
      dt_fetch_add_u64(&entry.pointee.wait_total_ns, waited)
      dt_fetch_max_u64(&entry.pointee.wait_max_ns, waited)
    }
  }

  /// Goes to sleep: the wait, in the task's slot and as an event. `cases` are a
  /// select's; `deadline` (with DT_WAIT_TIMED in `flags`) says when it ends by itself.
  func beginWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, kind: Int32, target: UInt64, site: UInt32, flags: UInt32 = 0,
    cases: [dt_case] = [], deadline: UInt64 = 0
  ) -> UInt64 {
    let now = dt_monotonic_ns()
    publishWait(
      task, kind: kind, target: target, site: site, flags: flags, cases: cases, deadline: deadline,
      since: now,
      sequence: nextWaitSequence())
    recordEvent(
      Int32(DT_EVENT_BLOCK), task: task.pointee.id, target: target, site: site, detail: UInt32(kind),
      time: now)
    return now
  }

  /// A wait on a waiter that is written to the event ring only if it sleeps (`ParkedWait`).
  func beginParkedWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, kind: Int32, target: UInt64, site: UInt32, flags: UInt32 = 0,
    cases: [dt_case] = []
  ) -> ParkedWait {
    // Its start time is its sequence: taken under the primitive's lock, it orders the
    // waiters of one resource as well as the global counter does, and leaves that
    // counter's cache line alone (every task that blocks on a channel would share it).
    let since = dt_monotonic_ns()
    publishWait(
      task, kind: kind, target: target, site: site, flags: flags, cases: cases, deadline: 0, since: since,
      sequence: since)
    return ParkedWait(task: task, kind: kind, target: target, site: site, since: since)
  }

  /// The wait in the task's slot.
  private func publishWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, kind: Int32, target: UInt64, site: UInt32, flags: UInt32,
    cases: [dt_case], deadline: UInt64, since: UInt64, sequence: UInt64
  ) {
    cases.withUnsafeBufferPointer { buffer in
      dt_task_begin_wait_full(
        task, UInt32(kind), target, site, since, sequence, flags, deadline, buffer.baseAddress,
        UInt32(buffer.count))
    }
  }

  /// Wakes from a wait that is not a lock's (a sleep, a parked wait that slept).
  func endWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, kind: Int32, target: UInt64, site: UInt32, since: UInt64
  ) {
    dt_task_end_wait(task)
    recordEvent(
      Int32(DT_EVENT_WAKE), task: task.pointee.id, target: target, site: site, detail: UInt32(kind),
      duration: dt_monotonic_ns() &- since)
  }
}

/// A wait on a waiter (a channel operation, a select, a Cond, WaitGroup or semaphore
/// wait): in the task's slot from its first instant, like every wait, but in the event
/// ring only if it goes to sleep. Most such waits end within the spin, in a microsecond
/// or two; two events for each would flood the ring (a ping-pong fills 4,096 events in
/// a few milliseconds, pushing out the history an engineer reads after a hang) and cost
/// more than the hand-off itself. The task's block and wake-up counters count them all.
struct ParkedWait {
  let task: UnsafeMutablePointer<dt_task_slot>
  let kind: Int32
  let target: UInt64
  let site: UInt32
  let since: UInt64
  private(set) var slept = false

  /// Parks on `waiter` until it is woken; the block event is written as it goes to sleep,
  /// stamped with the wait's start.
  mutating func park(on waiter: Waiter, spinningFor estimate: UnsafeMutablePointer<UInt32>?) {
    let runtime = Runtime.shared
    let (task, kind, target, site, since) = (task, kind, target, site, since)
    slept = waiter.park(spinningFor: estimate, since: since) {
      runtime.recordEvent(
        Int32(DT_EVENT_BLOCK), task: task.pointee.id, target: target, site: site, detail: UInt32(kind),
        time: since)
    }
  }

  /// Ends the wait; `target`: what it got, when that is not what it waited on (a select's
  /// case).
  func end(target woken: UInt64? = nil) {
    guard slept else { return dt_task_end_wait(task) }
    Runtime.shared.endWait(task, kind: kind, target: woken ?? target, site: site, since: since)
  }
}
