/// Positions of records by their 64-bit id: an open-addressing table with a multiplicative
/// hash. A report of 10,000 tasks looks up some 100,000 ids, and a `Dictionary`'s seeded
/// SipHash costs several times the rest of each lookup.
struct PositionIndex: Sendable, Equatable {
  private var keys: [UInt64]
  /// The position + 1 for each slot of `keys`; 0 for an empty slot.
  private var positions: [Int32]
  private let mask: Int
  /// How many different ids: fewer than the records when an id repeats.
  private(set) var distinctCount = 0

  /// The first position of each id (a repeated id keeps its first).
  init(_ ids: some Collection<UInt64>) {
    var capacity = 16
    while capacity < ids.count * 2 { capacity *= 2 }
    mask = capacity - 1
    keys = [UInt64](repeating: 0, count: capacity)
    positions = [Int32](repeating: 0, count: capacity)
    for (position, id) in ids.enumerated() {
      var slot = Self.start(id, mask)
      while positions[slot] != 0 && keys[slot] != id { slot = (slot + 1) & mask }
      if positions[slot] == 0 {
        keys[slot] = id
        positions[slot] = Int32(position + 1)
        distinctCount += 1
      }
    }
  }

  subscript(id: UInt64) -> Int? {
    var slot = Self.start(id, mask)
    while true {
      let stored = positions[slot]
      if stored == 0 { return nil }
      if keys[slot] == id { return Int(stored) - 1 }
      slot = (slot + 1) & mask
    }
  }

  @inline(__always)
  private static func start(_ id: UInt64, _ mask: Int) -> Int {
    Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
  }
}
