import DeadtopABI
import DeadtopCore

/// The append-only parts of a segment: the schedtrace and event rings, the lock-order
/// edges and the per-site contention counters.
extension SegmentDecoder {
  /// The last `capacity` slots of a ring written at `head % capacity`, oldest first, each
  /// copied under its seqlock (a slot being rewritten is skipped).
  private func ring<Slot>(_ table: dt_table, head: UInt64, blank: Slot, _ body: (Slot) -> Void) {
    let capacity = UInt64(table.capacity)
    guard capacity > 0, head > 0 else { return }
    let first = head > capacity ? head - capacity : 0
    for index in first..<head {
      let address = base + Int(table.offset) + Int(index % capacity) * Int(table.slot_size)
      var slot = blank
      guard SlotCopier<Slot>.copy(address, into: &slot, slotSize: Int(table.slot_size)) else { continue }
      body(slot)
    }
  }

  func readSchedtrace() -> [SchedRecord] {
    var records: [SchedRecord] = []
    let start = header.clock_base_monotonic_ns
    ring(layout.schedtrace, head: headerField(\.schedtrace_head), blank: dt_sched_record()) { record in
      records.append(
        SchedRecord(
          timeNanoseconds: record.time_ns, line: Self.line(of: record, sinceStart: record.time_ns &- start),
          tasks: Int(record.tasks), running: Int(record.running), blocked: Int(record.blocked),
          acquisitions: record.acquisitions, contended: record.contended, blocks: record.blocks,
          intervalNanoseconds: record.interval_ns))
    }
    return records.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
  }

  /// The record as Go's schedtrace line (the runtime prints the same with DEADTOP_SCHEDTRACE).
  public static func line(of record: dt_sched_record, sinceStart: UInt64) -> String {
    var copy = record
    var buffer = [CChar](repeating: 0, count: 512)
    dt_format_sched_record(&copy, sinceStart, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func readEvents() -> [Event] {
    var events: [Event] = []
    ring(layout.events, head: headerField(\.events_head), blank: dt_event()) { event in
      guard let kind = Self.eventKind(event.kind) else { return }
      events.append(
        Event(
          kind: kind, timeNanoseconds: event.time_ns, task: event.task, target: event.target,
          site: site(event.site), waitKind: Self.waitKind(event.detail),
          durationNanoseconds: event.duration_ns))
    }
    return events.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
  }

  static func eventKind(_ raw: UInt32) -> Event.Kind? {
    switch Int(raw) {
    case DT_EVENT_BLOCK: .block
    case DT_EVENT_WAKE: .wake
    case DT_EVENT_HANDOFF: .handoff
    case DT_EVENT_SPAWN: .spawn
    case DT_EVENT_EXIT: .exit
    case DT_EVENT_CLOSE: .close
    case DT_EVENT_TIMEOUT: .timeout
    default: nil
    }
  }

  /// Sites that ever waited, from the live counters (atomics, read relaxed).
  func readSiteContention() -> [SiteContention] {
    let table = UnsafeMutableRawPointer(mutating: base + Int(layout.sites.offset))
    var result: [SiteContention] = []
    for index in 0..<sites.count {
      let entry = (table + index * Int(layout.sites.slot_size)).assumingMemoryBound(to: dt_site.self)
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
  func refreshEdges(used: UInt64, stringsUsed: UInt64) {
    let table = layout.edges
    let count = Int(min(used, UInt64(table.capacity)))
    guard count > edges.count else { return }
    for index in edges.count..<count {
      let edge = (base + Int(table.offset) + index * Int(table.slot_size)).loadUnaligned(as: dt_edge.self)
      edges.append(
        LockOrderEdge(
          from: lockClass(edge.from_class, stringsUsed: stringsUsed),
          to: lockClass(edge.to_class, stringsUsed: stringsUsed), fromSite: site(edge.from_site),
          toSite: site(edge.to_site),
          fromMode: edge.from_mode == UInt16(DT_HOLD_SHARED) ? .shared : .exclusive,
          toMode: edge.to_mode == UInt16(DT_HOLD_SHARED) ? .shared : .exclusive, task: edge.task))
    }
  }

  /// A class is a lock's name, or its creation site when it has none (Labels words it).
  private func lockClass(_ key: UInt32, stringsUsed: UInt64) -> LockClass {
    let kind: ResourceInfo.Kind =
      key & DT_CLASS_RWMUTEX != 0 ? .rwMutex : key & DT_CLASS_ONCE != 0 ? .once : .mutex
    let reference = key & DT_CLASS_REFERENCE
    if key & DT_CLASS_BY_SITE != 0 {
      return LockClass(
        key: key, kind: kind, identity: site(reference).map { .createdAt($0) } ?? .unknown(reference))
    }
    return LockClass(
      key: key, kind: kind,
      identity: string(reference, used: stringsUsed).map { .name($0) } ?? .unknown(reference))
  }
}
