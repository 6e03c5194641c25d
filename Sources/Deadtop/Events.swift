import DeadtopABI
import DeadtopRuntimeC

/// The event ring and the contention profile: written on slow paths only (going to
/// sleep, waking, handing a lock over, spawning, ending), never on an uncontended one.
extension Runtime {
  func recordEvent(
    _ kind: Int32, task: UInt64, target: UInt64 = 0, site: UInt32 = 0, detail: UInt32 = 0,
    duration: UInt64 = 0
  ) {
    let index = dt_fetch_add_u64(&header.pointee.events_head, 1)
    let slot = segment.events + Int(index % UInt64(segment.eventCapacity))
    dt_seq_begin(&slot.pointee.seq)
    slot.pointee.kind = UInt32(kind)
    slot.pointee.time_ns = dt_monotonic_ns()
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
    cases.withUnsafeBufferPointer { buffer in
      dt_task_begin_wait_full(
        task, UInt32(kind), target, site, now, nextWaitSequence(), flags, deadline, buffer.baseAddress,
        UInt32(buffer.count))
    }
    recordEvent(
      Int32(DT_EVENT_BLOCK), task: task.pointee.id, target: target, site: site, detail: UInt32(kind))
    return now
  }

  /// Wakes from a wait that is not a lock's (a channel, a WaitGroup, a Cond, a sleep).
  func endWait(
    _ task: UnsafeMutablePointer<dt_task_slot>, kind: Int32, target: UInt64, site: UInt32, since: UInt64
  ) {
    dt_task_end_wait(task)
    recordEvent(
      Int32(DT_EVENT_WAKE), task: task.pointee.id, target: target, site: site, detail: UInt32(kind),
      duration: dt_monotonic_ns() &- since)
  }
}
