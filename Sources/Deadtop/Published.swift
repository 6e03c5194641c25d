import DeadtopABI
import DeadtopRuntimeC

/// The published state of a channel, WaitGroup, Cond or semaphore: its resource slot,
/// written under the slot's seqlock by whoever holds the primitive's own lock (so there
/// is one writer at a time), and the tasks that have used it.
@usableFromInline
final class PublishedResource: @unchecked Sendable {
  let registration: Runtime.ResourceRegistration
  let slot: UnsafeMutablePointer<dt_resource_slot>?
  /// Strong references to the watched object that the runtime itself holds (a select's
  /// case, a loop's iterator, a parent context's list), which the sampler subtracts from
  /// its retain count.
  let heldByRuntime = LoneCounter()
  /// The object whose references tell whether anybody else can still use it.
  private(set) var object: UnsafeMutableRawPointer?
  /// The watched object is not the primitive but its owner (a context, for its done
  /// channel): references the runtime holds to the primitive are not the owner's.
  private var watchesOwner = false
  /// References beyond the object's own that can still reach it: a context's
  /// cancellable ancestors, whose cancel functions end it too. Set before any wait;
  /// called by the sampler with the registry locked.
  var furtherReferences: (() -> Int)?
  // Guarded by the owner's lock, like every write to the slot.
  @usableFromInline @exclusivity(unchecked) var lastUser: UInt64 = 0
  @exclusivity(unchecked) private var users: [UInt64] = []
  @exclusivity(unchecked) private var flags: UInt32
  /// The users or flags changed since they were last written to the slot: most
  /// operations change only the count, and rewriting the list each time is most of
  /// their cost.
  @exclusivity(unchecked) private var listChanged = true
  /// The count in the slot: an operation that changes nothing leaves the slot's cache
  /// line alone (an unbuffered hand-off's count stays 0).
  @exclusivity(unchecked) private var publishedCount: UInt64 = 0
  /// Set once: the sampler starts before any primitive exists.
  private let referencesFlag: UInt32

  /// `function`: where it was made; deadtop trusts the reference count only of a
  /// primitive made in a function body (see `Reach`).
  init(
    kind: Int32, name: String?, capacity: Int, flags: UInt32 = 0, file: StaticString, line: UInt,
    function: StaticString = ""
  ) {
    registration = Runtime.shared.registerResource(
      kind: kind, name: name, file: file, line: line, function: function)
    slot = registration.slot.map { Runtime.shared.segment.resources + Int($0) }
    self.flags = flags
    referencesFlag = Runtime.shared.countsReferences ? UInt32(DT_RESOURCE_REFERENCES) : 0
    if let slot {
      dt_seq_begin(&slot.pointee.seq)
      slot.pointee.capacity = UInt64(capacity)
      slot.pointee.count = 0
      slot.pointee.flags = flags
      slot.pointee.user_count = 0
      dt_store_relaxed_u64(&slot.pointee.references, UInt64.max)
      dt_seq_end(&slot.pointee.seq)
    }
  }

  var id: UInt64 { registration.id }

  /// Lets the sampler count the references to `object`: the primitive itself, or the
  /// owner (`isOwner`) that holds it, as a context its done channel. Call at the end of
  /// the init of the primitive and of its owner, before any task waits on it.
  func watchReferences(of object: AnyObject, isOwner: Bool = false) {
    guard let index = registration.slot else { return }
    self.object = Unmanaged.passUnretained(object).toOpaque()
    watchesOwner = isOwner
    Runtime.shared.watchReferences(slot: index, self)
  }

  /// Stops measuring the references (an owner's deinit, before its fields go).
  func stopWatchingReferences() {
    if let index = registration.slot { Runtime.shared.unwatchReferences(slot: index) }
  }

  /// Removes the slot; the owner's deinit calls it.
  func release() {
    if let index = registration.slot { Runtime.shared.unwatchReferences(slot: index) }
    Runtime.shared.releaseResource(registration)
  }

  /// Records that `task` used the primitive, for a channel with how (`DT_USER_*` bits:
  /// the view it used, whether it sent or closed). The caller holds the primitive's lock.
  @inlinable
  func use(by task: UInt64, as use: UInt64 = 0) {
    if lastUser & DT_USER_TASK_MASK == task && lastUser & use == use { return }
    noteUser(task, use)
  }

  @usableFromInline
  func noteUser(_ task: UInt64, _ use: UInt64) {
    // Two tasks that take turns (a ping-pong) would rewrite `lastUser` on every
    // operation and move its cache line between their CPUs: a short list is scanned
    // instead.
    if let index = users.firstIndex(where: { $0 & DT_USER_TASK_MASK == task }) {
      let merged = users[index] | use
      if merged != users[index] {
        users[index] = merged
        listChanged = true
      }
      // Refreshed for the same task (its uses grew), not moved between two tasks.
      if users.count > 8 || lastUser & DT_USER_TASK_MASK == task { lastUser = merged }
      return
    }
    lastUser = task | use
    users.append(task | use)
    listChanged = true
  }

  /// Replaces the listed tasks: a semaphore's holders, a WaitGroup's members.
  func list(_ tasks: [UInt64]) {
    users = tasks
    lastUser = 0
    listChanged = true
  }

  func set(flag: Int, _ on: Bool) {
    if on { flags |= UInt32(flag) } else { flags &= ~UInt32(flag) }
    listChanged = true
  }

  /// Publishes the current state. The caller holds the primitive's lock.
  @usableFromInline
  func publish(count: Int, capacity: Int? = nil) {
    guard let slot else { return }
    let newCount = UInt64(max(0, count))
    if !listChanged && capacity == nil && newCount == publishedCount { return }
    publishedCount = newCount
    dt_seq_begin(&slot.pointee.seq)
    slot.pointee.count = newCount
    if let capacity { slot.pointee.capacity = UInt64(max(0, capacity)) }
    if listChanged {
      listChanged = false
      let listed = min(users.count, Int(DT_MAX_USERS))
      withUnsafeMutableBytes(of: &slot.pointee.users) { bytes in
        for index in 0..<listed {
          bytes.storeBytes(of: users[index], toByteOffset: index * 8, as: UInt64.self)
        }
      }
      slot.pointee.user_count = UInt32(listed)
      slot.pointee.flags =
        flags | (users.count > Int(DT_MAX_USERS) ? UInt32(DT_RESOURCE_USERS_OVERFLOW) : 0) | referencesFlag
    }
    dt_seq_end(&slot.pointee.seq)
  }
}

@_silgen_name("swift_retainCount")
func swiftRetainCount(_ object: UnsafeMutableRawPointer) -> Int

extension PublishedResource {
  /// Notes `count` more (or, negative, fewer) references to the primitive itself held by
  /// the runtime while a task waits: subtracted from the count only when it is the
  /// primitive's references that are counted. (A context's count must not lose the
  /// references a receive holds to its done channel: that would make a context that
  /// its cancel function can still end look unreachable.)
  @inline(__always)
  func runtimeHoldsPrimitive(_ count: Int) {
    if !watchesOwner { heldByRuntime.add(count) }
  }

  /// Stores the references to the watched object that the runtime does not hold. The
  /// sampler calls it with the runtime's registry locked, so the object cannot be freed
  /// meanwhile (its deinit unregisters under the same lock first); reading the count
  /// retains nothing.
  func measureReferences() {
    guard let object, let slot else { return }
    let references = max(0, swiftRetainCount(object) - heldByRuntime.value) + (furtherReferences?() ?? 0)
    dt_store_relaxed_u64(&slot.pointee.references, UInt64(references))
  }
}

/// A counter on a cache line of its own. A blocked task changes `heldByRuntime` as it
/// parks and as it wakes, and the task that hands it a value reads the resource's other
/// fields meanwhile: sharing their line would move it between the two CPUs each time.
final class LoneCounter: @unchecked Sendable {
  private let word = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    .bindMemory(to: UInt64.self, capacity: 1)

  init() { word.initialize(to: 0) }

  deinit { UnsafeMutableRawPointer(word).deallocate() }

  func add(_ count: Int) { _ = dt_fetch_add_u64(word, UInt64(bitPattern: Int64(count))) }
  func subtract(_ count: Int) { add(-count) }
  var value: Int { Int(Int64(bitPattern: dt_load_relaxed_u64(word))) }
}
