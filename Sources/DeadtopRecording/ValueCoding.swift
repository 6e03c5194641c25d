import DeadtopCore

/// The strings a recording names by number: names, sites, warnings. Each new one goes into
/// the next strings frame, before the snapshot frame that uses it.
final class StringTable {
  /// Past this many, new strings are written in place: a process that makes up names
  /// forever must not grow the table forever.
  static let limit = 1 << 20
  private var numbers: [String: UInt64] = [:]
  private(set) var count = 0
  private(set) var pending: [String] = []

  func number(of string: String) -> UInt64? {
    if let number = numbers[string] { return number }
    guard count < Self.limit else { return nil }
    count += 1
    numbers[string] = UInt64(count)
    pending.append(string)
    return UInt64(count)
  }

  /// The strings added since the last call, for a strings frame.
  func takePending() -> [String] {
    defer { pending = [] }
    return pending
  }
}

/// Writes the values of a snapshot; field order is the format (docs/RECORDING.md).
struct ValueWriter {
  var out = ByteWriter()
  let strings: StringTable

  /// 0 and the string in place, or the string's number in the table.
  mutating func string(_ value: String) {
    guard !value.isEmpty, let number = strings.number(of: value) else {
      out.varint(UInt64(0))
      return out.inlineString(value)
    }
    out.varint(number)
  }

  mutating func optionalString(_ value: String?) {
    guard let value else { return out.byte(0) }
    out.byte(1)
    string(value)
  }

  mutating func stringList(_ values: [String]) {
    out.varint(UInt64(values.count))
    for value in values { string(value) }
  }

  mutating func site(_ site: CallSite?) {
    guard let site else { return out.byte(0) }
    out.byte(1)
    string(site.file)
    out.varint(site.line)
    string(site.function)
  }

  mutating func process(_ process: ProcessSummary) {
    out.varint(process.pid)
    string(process.name)
    string(process.source.rawValue)
    out.varint(process.abiVersion)
    out.varint(process.startedAtNanoseconds)
  }

  mutating func counters(_ counters: Counters) {
    for value in [
      counters.acquisitions, counters.contended, counters.blocks, counters.tasksCreated,
      counters.resourcesCreated, counters.tasksDropped, counters.resourcesDropped,
    ] { out.varint(value) }
  }

  mutating func task(_ task: TaskInfo) {
    out.varint(task.id)
    out.varint(task.osThreadID)
    string(task.name)
    string(task.state.rawValue)
    if let wait = task.wait {
      out.byte(1)
      self.wait(wait)
    } else {
      out.byte(0)
    }
    out.varint(UInt64(task.holds.count))
    for hold in task.holds {
      out.varint(hold.resource)
      string(hold.mode.rawValue)
      site(hold.site)
    }
    out.varint(task.unlistedHolds)
    site(task.spawnSite)
    out.optional(task.parent) { $0.varint($1) }
    out.varint(task.createdAtNanoseconds)
    out.optional(task.endedAtNanoseconds) { $0.varint($1) }
    out.bool(task.stale)
    optionalString(task.detail)
    out.optional(task.cpuSeconds) { $0.fixed64($1.bitPattern) }
    stringList(task.stack)
  }

  mutating func wait(_ wait: Wait) {
    string(wait.kind.rawValue)
    switch wait.target {
    case .resource(let id):
      out.byte(0)
      out.varint(id)
    case .task(let id):
      out.byte(1)
      out.varint(id)
    }
    out.varint(wait.sinceNanoseconds)
    out.varint(wait.sequence)
    site(wait.site)
    out.array(wait.cases) { out, item in
      out.varint(item.resource)
      out.byte(item.operation == .send ? 0 : 1)
    }
    out.bool(wait.unlistedCases)
    out.optional(wait.deadlineNanoseconds) { $0.varint($1) }
    out.bool(wait.iterating)
    out.bool(wait.sinceIsLowerBound)
  }

  mutating func resource(_ resource: ResourceInfo) {
    out.varint(resource.id)
    string(resource.kind.rawValue)
    optionalString(resource.name)
    site(resource.site)
    contention(resource.contention)
    out.varint(resource.capacity)
    out.varint(resource.count)
    out.bool(resource.closed)
    out.bool(resource.clockDriven)
    out.array(resource.users) { $0.varint($1) }
    out.array(resource.uses) { $0.byte($1.rawValue) }
    out.bool(resource.listsMembers)
    out.bool(resource.unlistedUsers)
    out.bool(resource.usableFromOutside)
    out.optional(resource.references) { $0.varint($1) }
    out.varint(resource.createdAtNanoseconds)
  }

  mutating func contention(_ contention: Contention) {
    out.varint(contention.contended)
    out.varint(contention.totalWaitNanoseconds)
    out.varint(contention.maxWaitNanoseconds)
  }

  mutating func lockClass(_ lockClass: LockClass) {
    out.varint(lockClass.key)
    string(lockClass.kind.rawValue)
    switch lockClass.identity {
    case .name(let name):
      out.byte(0)
      string(name)
    case .createdAt(let site):
      out.byte(1)
      self.site(site)
    case .unknown(let reference):
      out.byte(2)
      out.varint(reference)
    }
  }

  mutating func lockOrderEdge(_ edge: LockOrderEdge) {
    lockClass(edge.from)
    lockClass(edge.to)
    site(edge.fromSite)
    site(edge.toSite)
    string(edge.fromMode.rawValue)
    string(edge.toMode.rawValue)
    out.varint(edge.task)
  }

  mutating func schedRecord(_ record: SchedRecord) {
    out.varint(record.timeNanoseconds)
    out.inlineString(record.line)  // one per interval, never repeated
    out.varint(record.tasks)
    out.varint(record.running)
    out.varint(record.blocked)
    out.varint(record.acquisitions)
    out.varint(record.contended)
    out.varint(record.blocks)
    out.varint(record.intervalNanoseconds)
  }

  mutating func event(_ event: Event) {
    string(event.kind.rawValue)
    out.varint(event.timeNanoseconds)
    out.varint(event.task)
    out.varint(event.target)
    site(event.site)
    optionalString(event.waitKind?.rawValue)
    out.varint(event.durationNanoseconds)
  }

  mutating func siteContention(_ item: SiteContention) {
    site(item.site)
    contention(item.contention)
  }

  mutating func pool(_ pool: ThreadPool) {
    string(pool.name)
    out.varint(pool.width)
    out.varint(pool.running)
    out.array(pool.threads) { $0.varint($1) }
    out.optional(pool.queued) { $0.varint($1) }
  }
}

/// Reads what `ValueWriter` wrote.
struct ValueReader {
  var input: ByteReader
  let strings: [String]

  mutating func string() throws -> String {
    let number = try input.varint()
    if number == 0 { return try input.inlineString() }
    guard number <= UInt64(strings.count) else {
      throw RecordingError.damaged("string \(number) was never defined")
    }
    return strings[Int(number - 1)]
  }

  mutating func optionalString() throws -> String? { try input.bool() ? try string() : nil }

  mutating func stringList() throws -> [String] {
    let count = try input.count()
    var values: [String] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try string()) }
    return values
  }

  /// A raw value of `Kind`, or a damaged recording.
  mutating func named<Kind: RawRepresentable<String>>(_: Kind.Type) throws -> Kind {
    let raw = try string()
    guard let value = Kind(rawValue: raw) else {
      throw RecordingError.damaged("unknown \(Kind.self) \"\(raw)\"")
    }
    return value
  }

  mutating func site() throws -> CallSite? {
    guard try input.bool() else { return nil }
    return CallSite(file: try string(), line: try input.uint32(), function: try string())
  }

  mutating func process() throws -> ProcessSummary {
    ProcessSummary(
      pid: try input.int32(), name: try string(), source: try named(ProcessSummary.Source.self),
      abiVersion: try input.uint32(), startedAtNanoseconds: try input.varint())
  }

  mutating func counters() throws -> Counters {
    Counters(
      acquisitions: try input.varint(), contended: try input.varint(), blocks: try input.varint(),
      tasksCreated: try input.varint(), resourcesCreated: try input.varint(),
      tasksDropped: try input.varint(),
      resourcesDropped: try input.varint())
  }

  mutating func task() throws -> TaskInfo {
    let id = try input.varint()
    let thread = try input.int32()
    let name = try string()
    let state = try named(TaskState.self)
    let wait = try input.bool() ? try self.wait() : nil
    let holdCount = try input.count()
    var holds: [Hold] = []
    holds.reserveCapacity(holdCount)
    for _ in 0..<holdCount {
      holds.append(Hold(resource: try input.varint(), mode: try named(HoldMode.self), site: try site()))
    }
    var task = TaskInfo(
      id: id, osThreadID: thread, name: name, state: state, holds: holds, unlistedHolds: try input.signed(),
      spawnSite: try site(), parent: try input.optional { try $0.varint() },
      createdAtNanoseconds: try input.varint(), endedAtNanoseconds: try input.optional { try $0.varint() },
      stale: try input.bool(), detail: try optionalString(),
      cpuSeconds: try input.optional { Double(bitPattern: try $0.fixed64()) })
    task.wait = wait  // as recorded, even where the initializer would drop it
    task.stack = try stringList()
    return task
  }

  mutating func wait() throws -> Wait {
    let kind = try named(Wait.Kind.self)
    let target: Wait.Target
    switch try input.byte() {
    case 0: target = .resource(try input.varint())
    case 1: target = .task(try input.varint())
    default: throw RecordingError.damaged("a wait names neither a resource nor a task")
    }
    var wait = Wait(
      kind: kind, target: target, sinceNanoseconds: try input.varint(), sequence: try input.varint(),
      site: try site(),
      cases: try input.array {
        Wait.Case(resource: try $0.varint(), operation: try $0.byte() == 0 ? .send : .receive)
      })
    wait.unlistedCases = try input.bool()
    wait.deadlineNanoseconds = try input.optional { try $0.varint() }
    wait.iterating = try input.bool()
    wait.sinceIsLowerBound = try input.bool()
    return wait
  }

  mutating func resource() throws -> ResourceInfo {
    var resource = ResourceInfo(
      id: try input.varint(), kind: try named(ResourceInfo.Kind.self), name: try optionalString(),
      site: try site(),
      contention: try contention(), capacity: try input.signed(), count: try input.signed(),
      closed: try input.bool(), clockDriven: try input.bool(), users: try input.array { try $0.varint() })
    resource.uses = try input.array { ChannelUse(rawValue: try $0.byte()) }
    resource.listsMembers = try input.bool()
    resource.unlistedUsers = try input.bool()
    resource.usableFromOutside = try input.bool()
    resource.references = try input.optional { try $0.signed() }
    resource.createdAtNanoseconds = try input.varint()
    return resource
  }

  mutating func contention() throws -> Contention {
    Contention(
      contended: try input.varint(), totalWaitNanoseconds: try input.varint(),
      maxWaitNanoseconds: try input.varint())
  }

  mutating func lockClass() throws -> LockClass {
    let key = try input.uint32()
    let kind = try named(ResourceInfo.Kind.self)
    let identity: LockClass.Identity
    switch try input.byte() {
    case 0: identity = .name(try string())
    case 1:
      guard let site = try site() else { throw RecordingError.damaged("a lock class made at no site") }
      identity = .createdAt(site)
    case 2: identity = .unknown(try input.uint32())
    default: throw RecordingError.damaged("a lock class of no known identity")
    }
    return LockClass(key: key, kind: kind, identity: identity)
  }

  mutating func lockOrderEdge() throws -> LockOrderEdge {
    LockOrderEdge(
      from: try lockClass(), to: try lockClass(), fromSite: try site(), toSite: try site(),
      fromMode: try named(HoldMode.self), toMode: try named(HoldMode.self), task: try input.varint())
  }

  mutating func schedRecord() throws -> SchedRecord {
    SchedRecord(
      timeNanoseconds: try input.varint(), line: try input.inlineString(), tasks: try input.signed(),
      running: try input.signed(), blocked: try input.signed(), acquisitions: try input.varint(),
      contended: try input.varint(), blocks: try input.varint(), intervalNanoseconds: try input.varint())
  }

  mutating func event() throws -> Event {
    Event(
      kind: try named(Event.Kind.self), timeNanoseconds: try input.varint(), task: try input.varint(),
      target: try input.varint(), site: try site(),
      waitKind: try optionalString().map { raw in
        guard let kind = Wait.Kind(rawValue: raw) else {
          throw RecordingError.damaged("unknown wait kind \"\(raw)\"")
        }
        return kind
      }, durationNanoseconds: try input.varint())
  }

  mutating func siteContention() throws -> SiteContention {
    guard let site = try site() else { throw RecordingError.damaged("contention at no site") }
    return SiteContention(site: site, contention: try contention())
  }

  mutating func pool() throws -> ThreadPool {
    ThreadPool(
      name: try string(), width: try input.signed(), running: try input.signed(),
      threads: try input.array { try $0.varint() }, queued: try input.optional { try $0.signed() })
  }
}
