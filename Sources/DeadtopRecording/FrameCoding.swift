import DeadtopCore

/// The kinds of frame in a recording (docs/RECORDING.md).
enum FrameKind: UInt8 {
  /// What was recorded: once, first.
  case meta = 0x4D  // M
  /// Strings appended to the table, before the first frame that names them.
  case strings = 0x53  // S
  /// A whole snapshot.
  case key = 0x4B  // K
  /// A snapshot as its changes from the one before.
  case delta = 0x44  // D
}

/// Turns snapshots into key and delta frames. A delta holds the tasks and resources that
/// changed, the ids that went, and what the rings (events, schedtrace, lock order) gained:
/// a process where little happens records little. Every `keyInterval` frames is a key
/// frame, so a replay can jump without decoding from the start.
struct SnapshotEncoder {
  static let keyInterval = 64
  let strings: StringTable
  private var previous: Snapshot?
  private var sinceKey = 0

  init(strings: StringTable) { self.strings = strings }

  /// The next frame must be a key frame (the frames before it may be dropped).
  mutating func startOver() { previous = nil }

  mutating func encode(_ snapshot: Snapshot) -> (kind: FrameKind, payload: [UInt8]) {
    var base = previous
    // Deltas name tasks and resources by id: a repeated id (a source's bug) needs a key frame.
    if sinceKey >= Self.keyInterval || (base != nil && !(snapshot.hasUniqueIDs && base!.hasUniqueIDs)) {
      base = nil
    }
    sinceKey = base == nil ? 1 : sinceKey + 1
    var writer = ValueWriter(strings: strings)
    writer.out.fixed64(snapshot.takenAtNanoseconds)
    writer.body(snapshot, against: base)
    previous = snapshot
    return (base == nil ? .key : .delta, writer.out.bytes)
  }
}

extension ValueWriter {
  /// A key frame is a delta against nothing: every task and resource new, every list whole.
  mutating func body(_ snapshot: Snapshot, against previous: Snapshot?) {
    process(snapshot.process)
    // Non-optional, so that each id looked up does not copy the optional snapshot.
    let base =
      previous ?? Snapshot(process: snapshot.process, takenAtNanoseconds: 0, tasks: [], resources: [])
    keyed(
      snapshot.tasks, base.tasks, now: snapshot.position(of:), before: base.position(of:),
      each: { $0.task($1) })
    keyed(
      snapshot.resources, base.resources, now: snapshot.position(ofResource:),
      before: base.position(ofResource:), each: { $0.resource($1) })
    counters(snapshot.counters)
    whole(snapshot.warnings, previous?.warnings) { $0.string($1) }
    whole(snapshot.hiddenFacts, previous?.hiddenFacts) { $0.string($1) }
    ring(snapshot.lockOrder, previous?.lockOrder) { $0.lockOrderEdge($1) }
    ring(snapshot.schedtrace, previous?.schedtrace) { $0.schedRecord($1) }
    ring(snapshot.events, previous?.events) { $0.event($1) }
    whole(snapshot.siteContention, previous?.siteContention) { $0.siteContention($1) }
    whole(snapshot.pools, previous?.pools) { $0.pool($1) }
    out.varint(snapshot.heartbeat)
    optionalString(snapshot.declaredDeadlock)
  }

  /// The ids that went, the records that are new or changed, and the order when it is not
  /// the old order with the new ones after it.
  private mutating func keyed<Item: Identifiable & Equatable>(
    _ current: [Item], _ previous: [Item], now: (UInt64) -> Int?, before: (UInt64) -> Int?,
    each write: (inout ValueWriter, Item) -> Void
  ) where Item.ID == UInt64 {
    // Indices, not elements: a TaskInfo is large, and copying each one costs more than
    // the comparison.
    var removed: [UInt64] = []
    for index in previous.indices where now(previous[index].id) == nil { removed.append(previous[index].id) }
    out.varint(UInt64(removed.count))
    for id in removed { out.varint(id) }
    var changed: [Int] = []
    for index in current.indices {
      guard let old = before(current[index].id), previous[old] == current[index] else {
        changed.append(index)
        continue
      }
    }
    out.varint(UInt64(changed.count))
    for index in changed { write(&self, current[index]) }
    if Self.keepsOrder(current, previous, now: now, before: before) {
      out.byte(0)
    } else {
      out.byte(1)
      out.array(current) { $0.varint($1.id) }
    }
  }

  /// Whether `current` is `previous` without the removed ids, then the new ones.
  private static func keepsOrder<Item: Identifiable>(
    _ current: [Item], _ previous: [Item], now: (UInt64) -> Int?, before: (UInt64) -> Int?
  ) -> Bool where Item.ID == UInt64 {
    var next = 0
    for index in previous.indices where now(previous[index].id) != nil {
      guard next < current.count, current[next].id == previous[index].id else { return false }
      next += 1
    }
    return (next..<current.count).allSatisfy { before(current[$0].id) == nil }
  }

  /// 0: as before; 2: the whole list.
  private mutating func whole<Item: Equatable>(
    _ current: [Item], _ previous: [Item]?, _ write: (inout ValueWriter, Item) -> Void
  ) {
    if let previous, previous == current { return out.byte(0) }
    out.byte(2)
    out.varint(UInt64(current.count))
    for item in current { write(&self, item) }
  }

  /// A ring slides: 1, how many of the oldest went, and what came after the newest.
  private mutating func ring<Item: Equatable>(
    _ current: [Item], _ previous: [Item]?, _ write: (inout ValueWriter, Item) -> Void
  ) {
    guard let previous, let first = current.first, let dropped = previous.firstIndex(of: first) else {
      return whole(current, previous, write)
    }
    let kept = previous.count - dropped
    guard kept <= current.count, previous[dropped...].elementsEqual(current[..<kept]) else {
      return whole(current, previous, write)
    }
    if dropped == 0 && kept == current.count { return out.byte(0) }
    out.byte(1)
    out.varint(UInt64(dropped))
    out.varint(UInt64(current.count - kept))
    for item in current[kept...] { write(&self, item) }
  }
}

extension ValueReader {
  /// Reads a frame's snapshot; a delta applies to `previous`.
  mutating func snapshot(against previous: Snapshot?) throws -> Snapshot {
    let takenAt = try input.fixed64()
    let process = try process()
    let base = previous ?? Snapshot(process: process, takenAtNanoseconds: 0, tasks: [], resources: [])
    let tasks = try keyed(base.tasks, before: base.position(of:), each: { try $0.task() })
    let resources = try keyed(base.resources, before: base.position(ofResource:), each: { try $0.resource() })
    var snapshot = Snapshot(
      process: process, takenAtNanoseconds: takenAt, tasks: tasks, resources: resources,
      counters: try counters(),
      warnings: try whole(previous?.warnings) { try $0.string() })
    snapshot.hiddenFacts = try whole(previous?.hiddenFacts) { try $0.string() }
    snapshot.lockOrder = try ring(previous?.lockOrder) { try $0.lockOrderEdge() }
    snapshot.schedtrace = try ring(previous?.schedtrace) { try $0.schedRecord() }
    snapshot.events = try ring(previous?.events) { try $0.event() }
    snapshot.siteContention = try whole(previous?.siteContention) { try $0.siteContention() }
    snapshot.pools = try whole(previous?.pools) { try $0.pool() }
    snapshot.heartbeat = try input.varint()
    snapshot.declaredDeadlock = try optionalString()
    guard input.atEnd else { throw RecordingError.damaged("a frame has bytes after its snapshot") }
    return snapshot
  }

  private mutating func keyed<Item: Identifiable>(
    _ previous: [Item], before: (UInt64) -> Int?, each read: (inout ValueReader) throws -> Item
  ) throws -> [Item] where Item.ID == UInt64 {
    let removedCount = try input.count()
    var removed = Set<UInt64>(minimumCapacity: removedCount)
    for _ in 0..<removedCount { removed.insert(try input.varint()) }
    var items = previous
    // Without removals the positions are the previous snapshot's; with them, counted anew.
    var positions: [UInt64: Int] = [:]
    if !removed.isEmpty {
      items.removeAll { removed.contains($0.id) }
      positions.reserveCapacity(items.count)
      for (index, item) in items.enumerated() where positions[item.id] == nil { positions[item.id] = index }
    }
    let changedCount = try input.count()
    for _ in 0..<changedCount {
      let item = try read(&self)
      let found = removed.isEmpty ? before(item.id) : positions[item.id]
      if let index = found, index < items.count, items[index].id == item.id {
        items[index] = item
      } else {
        items.append(item)
      }
    }
    switch try input.byte() {
    case 0: return items
    case 1:
      var byID: [UInt64: Item] = [:]
      for item in items { byID[item.id] = item }
      return try input.array { input in
        let id = try input.varint()
        guard let item = byID[id] else {
          throw RecordingError.damaged("the order names \(id), which is not there")
        }
        return item
      }
    default: throw RecordingError.damaged("an order flag is neither 0 nor 1")
    }
  }

  private mutating func whole<Item>(_ previous: [Item]?, _ read: (inout ValueReader) throws -> Item) throws
    -> [Item]
  {
    switch try input.byte() {
    case 0:
      guard let previous else { throw RecordingError.damaged("a key frame refers to the frame before it") }
      return previous
    case 2:
      let count = try input.count()
      var items: [Item] = []
      items.reserveCapacity(count)
      for _ in 0..<count { items.append(try read(&self)) }
      return items
    default: throw RecordingError.damaged("a list of no known form")
    }
  }

  private mutating func ring<Item>(_ previous: [Item]?, _ read: (inout ValueReader) throws -> Item) throws
    -> [Item]
  {
    let form = try input.byte()
    guard form == 1 else {
      input.rewind(by: 1)
      return try whole(previous, read)
    }
    guard let previous else { throw RecordingError.damaged("a key frame refers to the frame before it") }
    let dropped = try input.count()
    guard dropped <= previous.count else { throw RecordingError.damaged("a ring drops more than it held") }
    var items = Array(previous[dropped...])
    let added = try input.count()
    for _ in 0..<added { items.append(try read(&self)) }
    return items
  }
}
