import DeadtopABI

/// Copies the slots of one seqlocked table. A slot that keeps changing while it is
/// copied keeps its last consistent copy (marked stale); a free slot costs one load.
struct SlotCopier<Slot> {
  /// Copy attempts per slot before the previous copy is kept.
  static var tries: Int32 { 16 }

  let table: dt_table
  /// Where the slot's state (or kind) word is: 0 means free.
  let stateOffset: Int
  private var previous: [Slot?]

  init(table: dt_table, stateOffset: Int) {
    self.table = table
    self.stateOffset = stateOffset
    previous = Array(repeating: nil, count: Int(table.capacity))
  }

  /// Calls `body` with each used slot, in slot order; returns how many slots were stale
  /// (changing while read), including those with no earlier copy to fall back on.
  mutating func forEachSlot(
    in base: UnsafeRawPointer, blank: Slot, _ body: (_ slot: Slot, _ stale: Bool) -> Void
  ) -> Int {
    var stale = 0
    for index in 0..<Int(table.capacity) {
      let address = base + Int(table.offset) + index * Int(table.slot_size)
      if Self.isFree(address, stateAt: stateOffset) {
        previous[index] = nil
        continue
      }
      var copy = blank
      if Self.copy(address, into: &copy, slotSize: Int(table.slot_size)) {
        previous[index] = copy
        body(copy, false)
      } else {
        stale += 1
        if let earlier = previous[index] { body(earlier, true) }
      }
    }
    return stale
  }

  /// One consistent copy of the slot at `address`, or false after `tries` attempts. An
  /// older writer's shorter slot leaves the fields it does not know as `copy` had them.
  static func copy(_ address: UnsafeRawPointer, into copy: inout Slot, slotSize: Int) -> Bool {
    withUnsafeMutableBytes(of: &copy) { buffer in
      dt_seq_read(address, buffer.baseAddress, min(buffer.count, slotSize), tries) == 1
    }
  }

  /// Whether a slot is free (state 0) and not being written (an even sequence).
  private static func isFree(_ slot: UnsafeRawPointer, stateAt offset: Int) -> Bool {
    let sequence = dt_load_acquire_u32(slot.assumingMemoryBound(to: UInt32.self))
    let state = dt_load_relaxed_u32((slot + offset).assumingMemoryBound(to: UInt32.self))
    return state == 0 && sequence & 1 == 0
  }
}
