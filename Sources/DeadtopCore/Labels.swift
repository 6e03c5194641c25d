/// How tasks, resources, waits and durations are named in every report and view, so
/// that the text report, JSON, DOT and the TUI all say the same thing.
extension Snapshot {
  // The lookups below read the fields they need in place: `task(_:)` and `resource(_:)`
  // copy a whole record, which a report of 10,000 tasks would do tens of thousands of
  // times.

  /// `task 2 "abba-1"`
  public func label(task id: TaskID) -> String {
    let text = TextBuffer()
    write(taskLabel: id, to: text)
    return text.string
  }

  // The `write(…to:)` forms append the same words to a report being written, with no
  // string of their own: a report of 10,000 tasks names some 50,000 tasks and resources.

  public func write(taskLabel id: TaskID, to out: TextBuffer) {
    out += process.source == .runtime ? "task " : process.source.taskNoun + " "
    out.append(number: id)
    guard let position = position(of: id) else { return }
    out += " \""
    out += tasks[position].name
    out += "\""
  }

  /// `"abba-1"`, or `task 7` for an unknown one.
  public func name(task id: TaskID) -> String {
    guard let position = position(of: id) else { return "task \(id)" }
    return tasks[position].name
  }

  /// `mutex "A"`, or `rwmutex #12 (created at Bank.swift:8)` when it has no name.
  public func label(resource id: ResourceID) -> String {
    let text = TextBuffer()
    write(resourceLabel: id, to: text)
    return text.string
  }

  public func write(resourceLabel id: ResourceID, to out: TextBuffer) {
    write(resourceLabel: id, at: position(ofResource: id), to: out)
  }

  /// The same, for the resource at `position` in `resources` (nil: not in the snapshot).
  func write(resourceLabel id: ResourceID, at position: Int?, to out: TextBuffer) {
    guard let position else {
      out += "resource #"
      out.append(number: id)
      return
    }
    out += resources[position].kind.rawValue
    if let name = resources[position].name {
      out += " \""
      out += name
      out += "\""
      return
    }
    out += " #"
    out.append(number: id)
    if let site = resources[position].site {
      out += " (created at "
      out += site.file
      out += ":"
      out.append(number: site.line)
      out += ")"
    }
  }

  /// The resource's name, or `#12` when it has none.
  public func name(resource id: ResourceID) -> String {
    position(ofResource: id).flatMap { resources[$0].name } ?? "#\(id)"
  }

  /// The resource's kind, without copying its record.
  public func kind(ofResource id: ResourceID) -> ResourceInfo.Kind? {
    position(ofResource: id).map { resources[$0].kind }
  }

  /// `lock mutex "B"`, `read-lock rwmutex "config"`, `join task 3 "worker"`.
  public func describe(wait: Wait) -> String {
    let text = TextBuffer()
    write(wait: wait, to: text)
    return text.string
  }

  public func write(wait: Wait, to out: TextBuffer) {
    let id: ResourceID
    switch wait.target {
    case .task(let joined):
      out += "join "
      return write(taskLabel: joined, to: out)
    case .resource(let resource): id = resource
    }
    var after = ""
    switch wait.kind {
    case .mutex: out += "lock "
    case .readLock: out += "read-lock "
    case .writeLock: out += "write-lock "
    case .join: out += "join "
    case .futex:
      switch kind(ofResource: id) {
      case .dispatchSemaphore?:
        out += "wait on "
        after = " (DispatchSemaphore.wait: no owner, any thread may signal it)"
      case .dispatchGroup?:
        out += "wait for "
        after = " (DispatchGroup.wait: no owner, it ends when its work leaves)"
      default:
        out += "wait on "
        after = " (no known owner)"
      }
    case .dispatchSync: out += "run sync on "
    case .once:
      out += "wait for "
      after = " to be initialized"
    case .send: out += "send on "
    case .receive: out += wait.iterating ? "range over " : "receive from "
    case .select:
      if wait.cases.isEmpty {
        out += wait.unlistedCases ? "select (cases not listed)" : "select {} (forever)"
        return
      }
      out += "select on "
      for (index, selectCase) in wait.cases.enumerated() {
        if index > 0 { out += ", " }
        out += selectCase.operation == .send ? "send " : "receive "
        write(resourceLabel: selectCase.resource, to: out)
      }
      if wait.unlistedCases { out += ", …" }
      return
    case .waitGroup: out += "wait for "
    case .cond: out += "wait on "
    case .semaphore: out += "acquire "
    case .sleep:
      out += "sleep"
      return
    }
    write(resourceLabel: id, to: out)
    if !after.isEmpty { out += after }
  }

  /// A wait in a table cell: `lock "B"`, `recv "pongs"`, `wait "players"`, `join "worker"`.
  /// The verb says the primitive (the resource's kind is in the details).
  public func describeBriefly(wait: Wait) -> String {
    func quoted(_ id: ResourceID) -> String { resource(id)?.name.map { "\"\($0)\"" } ?? "#\(id)" }
    switch wait.target {
    case .task(let id): return "join \"\(name(task: id))\""
    case .resource(let id):
      switch wait.kind {
      case .mutex: return "lock \(quoted(id))"
      case .readLock: return "read-lock \(quoted(id))"
      case .writeLock: return "write-lock \(quoted(id))"
      case .join: return "join \(quoted(id))"
      case .futex:
        switch kind(ofResource: id) {
        case .dispatchSemaphore?: return "semaphore \(quoted(id))"
        case .dispatchGroup?: return "group \(quoted(id))"
        default: return "futex \(quoted(id))"
        }
      case .dispatchSync: return "sync \(quoted(id))"
      case .once: return "once \(quoted(id))"
      case .send: return "send \(quoted(id))"
      case .receive: return (wait.iterating ? "range " : "recv ") + quoted(id)
      case .select:
        return "select "
          + wait.cases.map { ($0.operation == .send ? "send " : "recv ") + quoted($0.resource) }
          .joined(separator: ", ")
      case .waitGroup: return "wait \(quoted(id))"
      case .cond: return "cond-wait \(quoted(id))"
      case .semaphore: return "acquire \(quoted(id))"
      case .sleep: return "sleep"
      }
    }
  }

  /// `channel "jobs" 2/4 closed, used by task 2 "producer"`: a channel's or other
  /// primitive's state in a few words.
  public func describeState(of resource: ResourceInfo) -> String? {
    // A goroutine dump shows who waits on a channel or lock, never its state.
    if process.source == .goDump { return nil }
    switch resource.kind {
    case .channel:
      let fill = resource.capacity > 0 ? "buffer \(resource.count)/\(resource.capacity)" : "unbuffered"
      return fill + (resource.closed ? ", closed" : "") + (resource.clockDriven ? ", fed by the clock" : "")
    case .waitGroup: return "counter \(resource.count)"
    case .semaphore: return "\(resource.count)/\(resource.capacity) permits taken"
    case .dispatchQueue:
      return resource.capacity > 1 ? "concurrent (width \(resource.capacity)): no single owner" : "serial"
    case .dispatchSemaphore:
      return resource.count > 0 ? "\(counted(resource.count, "thread")) waiting" : nil
    case .atomic: return "value \(resource.count)"
    case .cond, .mutex, .rwMutex, .futex, .dispatchGroup, .once: return nil
    }
  }

  /// How long a task has waited: `2.1s`, or `≥ 2.1s` when the source saw only since when.
  public func waited(_ wait: Wait) -> String {
    let seconds = seconds(since: wait.sinceNanoseconds)
    // Go prints how long a goroutine has waited from one minute on; Java never does.
    if process.source == .goDump && seconds < 60 { return "under a minute" }
    if process.source == .javaDump { return "an unknown time" }
    return (wait.sinceIsLowerBound ? "≥ " : "") + formatDuration(seconds)
  }

  /// The call a blocked thread is in, as a Swift developer writes it:
  /// `DispatchSemaphore.wait`, `DispatchQueue.sync`, `a lock`.
  public func blockingCall(of wait: Wait) -> String {
    switch wait.kind {
    case .futex:
      guard case .resource(let id) = wait.target else { return "a futex wait" }
      switch kind(ofResource: id) {
      case .dispatchSemaphore?: return "DispatchSemaphore.wait"
      case .dispatchGroup?: return "DispatchGroup.wait"
      default: return "a futex wait"
      }
    case .dispatchSync: return "DispatchQueue.sync"
    case .once: return "a one-time initializer"
    case .mutex: return "a lock"
    case .readLock, .writeLock: return "a read-write lock"
    case .join: return "a thread join"
    case .sleep: return "a sleep"
    case .send, .receive, .select: return "a channel operation"
    case .waitGroup: return "WaitGroup.wait"
    case .cond: return "a condition wait"
    case .semaphore: return "a semaphore acquire"
    }
  }

  /// `mutex "A"` or `rwmutex "cfg" (read)`.
  public func describe(hold: Hold) -> String {
    let text = TextBuffer()
    write(hold: hold, to: text)
    return text.string
  }

  public func write(hold: Hold, to out: TextBuffer) {
    let position = position(ofResource: hold.resource)
    write(resourceLabel: hold.resource, at: position, to: out)
    guard let position, resources[position].kind == .rwMutex else { return }
    out += hold.mode == .shared ? " (read)" : " (write)"
  }

  public var uptimeSeconds: Double { seconds(since: process.startedAtNanoseconds) }

  /// How many tasks are in each state.
  public func taskCount(_ state: TaskState) -> Int {
    var count = 0
    for index in tasks.indices where tasks[index].state == state { count += 1 }
    return count
  }

  /// `+1.234s  task 2 "a"  block      lock mutex "B" at F.swift:3` — time since start.
  public func describe(event: Event) -> String {
    let offset =
      event.timeNanoseconds > process.startedAtNanoseconds
      ? Double(event.timeNanoseconds - process.startedAtNanoseconds) / 1e9 : 0
    var millis = String(Int((offset * 1000).rounded()))
    while millis.count < 4 { millis = "0" + millis }
    let time = "+\(millis.dropLast(3)).\(millis.suffix(3))s"
    var what: String
    switch event.kind {
    case .spawn: what = "spawned \(label(task: event.target))"
    case .exit: what = "ended"
    case .block, .wake:
      let kind = event.waitKind ?? .mutex
      let target: Wait.Target = kind == .join ? .task(event.target) : .resource(event.target)
      what = describe(wait: Wait(kind: kind, target: target))
      if event.kind == .wake {
        what = "got it after \(formatDuration(Double(event.durationNanoseconds) / 1e9)): " + what
      }
    case .handoff: what = "unlocked \(label(resource: event.target)), waking a waiter"
    case .close: what = "closed \(label(resource: event.target))"
    case .timeout: what = "timed out"
    }
    if let site = event.site { what += " at \(site.file):\(site.line)" }
    let kind = event.kind.rawValue + String(repeating: " ", count: max(0, 8 - event.kind.rawValue.count))
    return "\(time)  \(kind)  \(label(task: event.task))  \(what)"
  }
}

extension ResourceInfo {
  /// ` (receive-only)` or ` (send-only)` after a channel user who has used it one way
  /// only; empty otherwise.
  public func wayUsed(by user: TaskID) -> String {
    switch oneWayUse(by: user) {
    case .mayReceive?: " (receive-only)"
    case .maySend?: " (send-only)"
    default: ""
    }
  }
}

/// `850ms`, `3.2s`, `4m05s`, `2h03m`: short enough for a table column.
public func formatDuration(_ seconds: Double) -> String {
  if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
  if seconds < 60 {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)s"
  }
  let whole = Int(seconds)
  if whole < 3600 { return "\(whole / 60)m" + twoDigits(whole % 60) + "s" }
  return "\(whole / 3600)h" + twoDigits((whole % 3600) / 60) + "m"
}

private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

extension LockClass {
  /// `mutex "accounts"`, or `rwmutex created at Config.swift:9` for an unnamed class.
  public var label: String {
    switch identity {
    case .name(let name): "\(kind.rawValue) \"\(name)\""
    case .createdAt(let site): "\(kind.rawValue) created at \(site.file):\(site.line)"
    case .unknown(let reference): "\(kind.rawValue) class \(reference)"
    }
  }
}

/// `1 task`, `3 tasks`.
public func counted(_ count: Int, _ noun: String) -> String { count == 1 ? "1 \(noun)" : "\(count) \(noun)s" }
