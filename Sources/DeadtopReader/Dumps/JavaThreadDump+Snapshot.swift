import DeadtopCore

/// A Java thread dump as a snapshot: each thread a task; each monitor or
/// `java.util.concurrent` lock a mutex held by the threads the dump says lock or own
/// it, so the ordinary rules find its cycles, certain. A thread in `Object.wait()`
/// waits on a Cond nobody is known to signal; a park on anything but a lock, a sleep or
/// a timed wait ends as far as the dump can tell.
extension JavaThreadDump {
  public func snapshot(name: String) -> Snapshot {
    var resources: [ResourceInfo] = []
    var resourceIDs: [String: ResourceID] = [:]
    let classes = threads.reduce(into: [String: String]()) { all, thread in
      all.merge(thread.classes) { a, _ in a }
    }
    func resource(_ address: String, kind: ResourceInfo.Kind) -> ResourceID {
      if let known = resourceIDs[address] { return known }
      let id = ResourceID(resources.count + 1)
      let className = classes[address].map { " (a \($0))" } ?? ""
      // In the dump's own spelling: 16 hex digits.
      let digits = String(address.dropFirst(2))
      let spelled = "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
      var info = ResourceInfo(id: id, kind: kind, name: "<\(spelled)>\(className)")
      if kind == .cond { info.unlistedUsers = true }
      resources.append(info)
      resourceIDs[address] = id
      return id
    }
    var ids: [String: TaskID] = [:]
    // JVM threads without a number (VM Thread, GC) after the numbered ones.
    var nextUnnumbered: TaskID = (threads.compactMap(\.number).max() ?? 0) + 1
    for thread in threads where ids[thread.name] == nil {
      if let number = thread.number {
        ids[thread.name] = number
      } else {
        ids[thread.name] = nextUnnumbered
        nextUnnumbered += 1
      }
    }
    var tasks: [TaskInfo] = []
    for (position, thread) in threads.enumerated() {
      let waitedOn = Set(thread.locks.compactMap { if case .waitingOn(let a) = $0.line { a } else { nil } })
      var holds: [Hold] = []
      for (line, frame) in thread.locks {
        // A monitor a thread waits on in Object.wait() is released while it waits.
        guard case .locked(let address) = line, !waitedOn.contains(address) else { continue }
        holds.append(
          Hold(resource: resource(address, kind: .mutex), mode: .exclusive, site: site(thread, frame)))
      }
      for address in thread.ownedSynchronizers {
        holds.append(Hold(resource: resource(address, kind: .mutex), mode: .exclusive))
      }
      for (address, owner) in owners where owner == thread.name {
        let id = resource(address, kind: .mutex)
        if !holds.contains(where: { $0.resource == id }) {
          holds.append(Hold(resource: id, mode: .exclusive))
        }
      }
      var wait: Wait?
      let state = thread.state ?? ""
      let callSite = userSite(thread)
      if state.hasPrefix("BLOCKED"), let address = thread.lockAddress(\.waitingToLock) {
        wait = Wait(
          kind: .mutex, target: .resource(resource(address, kind: .mutex)), sequence: UInt64(position),
          site: callSite)
      } else if state.hasPrefix("WAITING"), let address = thread.lockAddress(\.parkingFor),
        let className = classes[address], className.contains("locks.Reentrant")
      {
        wait = Wait(
          kind: .mutex, target: .resource(resource(address, kind: .mutex)), sequence: UInt64(position),
          site: callSite)
      } else if state.hasPrefix("WAITING (on object monitor)"), let address = thread.lockAddress(\.waitingOn)
      {
        wait = Wait(
          kind: .cond, target: .resource(resource(address, kind: .cond)), sequence: UInt64(position),
          site: callSite)
      } else if state.hasPrefix("TIMED_WAITING") {
        wait = Wait(kind: .sleep, target: .resource(0), sequence: UInt64(position), site: callSite)
      } else if state.hasPrefix("WAITING") {
        // A park on a latch, a queue, a future: nothing the dump names an owner for.
        wait = Wait(kind: .futex, target: .resource(0), sequence: UInt64(position), site: callSite)
      }
      var task = TaskInfo(
        id: ids[thread.name] ?? TaskID(position + 1), osThreadID: thread.nativeID ?? 0, name: thread.name,
        state: wait == nil ? .running : .blocked,
        wait: wait.map { wait in
          var wait = wait
          wait.sinceIsLowerBound = true
          wait.sinceNanoseconds = GoroutineDump.takenAt
          return wait
        }, holds: holds, detail: thread.state)
      task.stack = thread.frames.map { frame in
        "\(frame.method)" + (frame.file.map { " at \($0):\(frame.line)" } ?? "")
      }
      tasks.append(task)
    }
    return Snapshot(
      process: ProcessSummary(
        pid: 0, name: name, source: .javaDump, startedAtNanoseconds: GoroutineDump.takenAt),
      takenAtNanoseconds: GoroutineDump.takenAt,
      tasks: tasks, resources: resources)
  }

  /// The frame a lock line is printed under, as a call site.
  private func site(_ thread: Thread, _ frame: Int) -> CallSite? {
    guard frame < thread.frames.count, let file = thread.frames[frame].file else { return nil }
    return CallSite(file: file, line: thread.frames[frame].line, function: thread.frames[frame].method)
  }

  /// Where it waits in the program's own code: the innermost frame outside the JDK.
  private func userSite(_ thread: Thread) -> CallSite? {
    let jdk = ["java.", "javax.", "jdk.", "sun.", "com.sun."]
    guard
      let index = thread.frames.firstIndex(where: { frame in !jdk.contains { frame.method.hasPrefix($0) } })
    else { return site(thread, 0) }
    return site(thread, index)
  }
}

extension JavaThreadDump.Thread {
  /// The address of its first lock line of a kind (`\.waitingToLock`).
  func lockAddress(_ kind: KeyPath<JavaThreadDump.LockLine, String?>) -> String? {
    locks.lazy.compactMap { $0.line[keyPath: kind] }.first
  }
}

extension JavaThreadDump.LockLine {
  var waitingToLock: String? { if case .waitingToLock(let a) = self { a } else { nil } }
  var parkingFor: String? { if case .parkingFor(let a) = self { a } else { nil } }
  var waitingOn: String? { if case .waitingOn(let a) = self { a } else { nil } }
}
