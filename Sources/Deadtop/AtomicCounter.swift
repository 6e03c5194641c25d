import DeadtopABI
import DeadtopRuntimeC

/// Go's `atomic.Int64` that deadtop can show: its value lives in its resource slot, so
/// the resources view reads the counter itself, never a copy that lags. Every operation
/// is one atomic instruction on that word, as in Go (sequentially consistent).
public final class AtomicCounter: @unchecked Sendable {
  private let registration: Runtime.ResourceRegistration
  /// The slot's `count`, or memory of its own when the resource table was full.
  private let word: UnsafeMutablePointer<UInt64>
  private let ownsWord: Bool
  public let name: String?
  /// The resource id deadtop shows.
  public var id: UInt64 { registration.id }

  public init(_ value: Int64 = 0, name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
    self.name = name
    registration = Runtime.shared.registerResource(
      kind: Int32(DT_RESOURCE_ATOMIC), name: name, file: file, line: line)
    if let index = registration.slot {
      let slot = UnsafeMutableRawPointer(Runtime.shared.segment.resources + Int(index))
      word = (slot + MemoryLayout<dt_resource_slot>.offset(of: \.count)!).assumingMemoryBound(to: UInt64.self)
      ownsWord = false
    } else {
      word = .allocate(capacity: 1)
      ownsWord = true
    }
    dt_atomic_store_u64(word, UInt64(bitPattern: value))
  }

  deinit {
    Runtime.shared.releaseResource(registration)
    if ownsWord { word.deallocate() }
  }

  public func load() -> Int64 { Int64(bitPattern: dt_atomic_load_u64(word)) }

  public func store(_ value: Int64) { dt_atomic_store_u64(word, UInt64(bitPattern: value)) }

  /// Adds `delta` and returns the new value, as Go's `Add`.
  @discardableResult
  public func add(_ delta: Int64) -> Int64 {
    Int64(bitPattern: dt_atomic_add_u64(word, UInt64(bitPattern: delta)))
  }

  /// Stores `value` and returns the old one.
  public func swap(_ value: Int64) -> Int64 {
    Int64(bitPattern: dt_atomic_exchange_u64(word, UInt64(bitPattern: value)))
  }

  /// Stores `new` if the value is `old`; true if it did.
  public func compareAndSwap(old: Int64, new: Int64) -> Bool {
    dt_atomic_compare_exchange_u64(word, UInt64(bitPattern: old), UInt64(bitPattern: new)) != 0
  }
}
