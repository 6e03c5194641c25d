import DeadtopCore

/// A goroutine dump as a snapshot: each goroutine a task with its wait, its call site in
/// the program's own code and its parent. A dump proves no edge (it names no lock's
/// owner and no channel's users), so what goroutines wait on is grouped by the object's
/// address where a frame prints it, else by where they wait; every such resource has
/// unknown users, and a verdict of "no deadlock" is never given, only "unknown". Go's
/// own "all goroutines are asleep" is the one proof a dump carries.
extension GoroutineDump {
  /// The dump's clock: it has no times, only how long each goroutine has waited.
  static let takenAt: UInt64 = 1 << 50

  public func snapshot(name: String) -> Snapshot {
    var resources: [ResourceInfo] = []
    var resourceIDs: [String: ResourceID] = [:]
    func resource(_ key: String, kind: ResourceInfo.Kind, name: String) -> ResourceID {
      if let known = resourceIDs[key] { return known }
      let id = ResourceID(resources.count + 1)
      // Where they wait, not where it was made: a dump does not say that.
      var info = ResourceInfo(id: id, kind: kind, name: name)
      // The dump names no user, and may not list every goroutine (GOTRACEBACK=single).
      info.unlistedUsers = true
      info.usableFromOutside = true
      resources.append(info)
      resourceIDs[key] = id
      return id
    }
    var tasks: [TaskInfo] = []
    var ownerUnknown = false
    for goroutine in goroutines {
      let site = goroutine.callSite
      let since = Self.takenAt - UInt64(goroutine.minutes ?? 0) * 60_000_000_000
      var wait: Wait?
      if let kind = goroutine.waitKind {
        var target = Wait.Target.resource(0)
        var unlisted = false
        switch kind {
        case .send, .receive:
          if goroutine.state.contains("(nil chan)") {
            // A nil channel never becomes ready: a select with no case that can fire.
            wait = Wait(
              kind: .select, target: target, sinceNanoseconds: since, sequence: goroutine.id, site: site)
            break
          }
          // Goroutines on one channel are grouped only where a frame prints its address
          // (GOTRACEBACK=system); else by where they wait.
          let address = goroutine.objectAddress(inFunctionsStartingWith: [
            "runtime.chanrecv", "runtime.chansend",
          ])
          target = .resource(
            address.map { resource("chan \($0)", kind: .channel, name: "chan \($0)") }
              ?? resource(
                "chan at \(site?.description ?? "?")", kind: .channel, name: Self.named(site, "a channel")))
          ownerUnknown = true
        case .select:
          unlisted = !goroutine.state.contains("no cases")
          if unlisted { ownerUnknown = true }
        case .mutex, .readLock, .writeLock, .waitGroup, .cond:
          let kindOfObject: ResourceInfo.Kind =
            switch kind {
            case .readLock, .writeLock: .rwMutex
            case .waitGroup: .waitGroup
            case .cond: .cond
            default: .mutex
            }
          let noun =
            switch kindOfObject {
            case .rwMutex: "sync.RWMutex"
            case .waitGroup: "sync.WaitGroup"
            case .cond: "sync.Cond"
            default: "sync.Mutex"
            }
          let address = goroutine.objectAddress(inFunctionsStartingWith: ["sync.("])
          target = .resource(
            address.map { resource("\(noun) \($0)", kind: kindOfObject, name: "\(noun) \($0)") }
              ?? resource(
                "\(noun) at \(site?.description ?? "?")", kind: kindOfObject,
                name: Self.named(site, "a \(noun)")))
          ownerUnknown = true
        default:
          break
        }
        if wait == nil {
          var made = Wait(
            kind: kind, target: target, sinceNanoseconds: since, sequence: goroutine.id, site: site)
          made.unlistedCases = unlisted
          made.sinceIsLowerBound = true
          wait = made
        }
      }
      var task = TaskInfo(
        id: goroutine.id, name: goroutine.entryFunction, state: wait == nil ? .running : .blocked, wait: wait,
        spawnSite: goroutine.createdBy.map { CallSite(file: $0.file, line: $0.line, function: $0.function) },
        parent: goroutine.parent,
        detail: goroutine.stateInWords
          + (goroutine.minutes.map { ", \($0) minute\($0 == 1 ? "" : "s")" } ?? ""))
      task.stack = goroutine.frames.map { "\($0.function) at \($0.file):\($0.line)" }
      tasks.append(task)
    }
    var snapshot = Snapshot(
      process: ProcessSummary(pid: 0, name: name, source: .goDump, startedAtNanoseconds: Self.takenAt),
      takenAtNanoseconds: Self.takenAt,
      tasks: tasks, resources: resources)
    if ownerUnknown {
      snapshot.hiddenFacts = [
        "which goroutine holds each lock or may still use each channel: a goroutine dump does not say"
      ]
    }
    if allAsleep { snapshot.declaredDeadlock = reason }
    return snapshot
  }
}

extension GoroutineDump {
  /// A resource known only by where goroutines wait on it: `a channel at main.go:11`.
  /// (`BlockedGroup` leaves such a name out: the group's site says it.)
  static func named(_ site: CallSite?, _ noun: String) -> String {
    "\(noun) at \(site?.short ?? "an unknown site")"
  }
}

extension GoroutineDump.Goroutine {
  /// The function the goroutine runs: its outermost frame, without the package path.
  var entryFunction: String {
    guard let function = frames.last(where: { $0.function != "runtime.goexit" })?.function else {
      return "goroutine \(id)"
    }
    return function.split(separator: "/").last.map(String.init) ?? function
  }

  /// Where it waits in the program's own code: the innermost frame outside the Go
  /// runtime and the standard library's synchronization.
  var callSite: CallSite? {
    let frame = frames.first { !Self.isRuntime($0.function) } ?? frames.first
    return frame.map { CallSite(file: $0.file, line: $0.line, function: $0.function) }
  }

  static let runtimeWaits = [
    "GC sweep wait", "GC scavenge wait", "GC worker (idle)", "finalizer wait", "force gc (idle)",
    "timer goroutine (idle)", "trace reader (blocked)", "wait for GC cycle", "preempted", "debug call",
  ]

  static func isRuntime(_ function: String) -> Bool {
    let package = function.split(separator: "/").last?.split(separator: ".").first ?? ""
    return ["runtime", "sync", "time", "poll", "syscall", "atomic"].contains(String(package))
  }

  /// The state as the dump says it, with the call a `semacquire` is in (Go 1.19 says
  /// only `semacquire`; later versions `sync.Mutex.Lock`).
  var stateInWords: String {
    guard state == "semacquire" else { return state }
    let calls = [
      ("sync.(*RWMutex).RLock", "sync.RWMutex.RLock"), ("sync.(*RWMutex).Lock", "sync.RWMutex.Lock"),
      ("sync.(*Mutex).Lock", "sync.Mutex.Lock"), ("sync.(*WaitGroup).Wait", "sync.WaitGroup.Wait"),
      ("sync.(*Cond).Wait", "sync.Cond.Wait"),
    ]
    let functions = frames.map(\.function)
    return calls.first { functions.contains($0.0) }.map { "semacquire in \($0.1)" } ?? state
  }

  /// The wait in deadtop's terms; nil while it runs.
  var waitKind: Wait.Kind? {
    let reason = state
    if reason.hasPrefix("running") || reason.hasPrefix("runnable") || reason.hasPrefix("syscall") {
      return nil
    }
    if reason.hasPrefix("chan receive") { return .receive }
    if reason.hasPrefix("chan send") { return .send }
    if reason.hasPrefix("select") { return .select }
    // A timer, or the runtime's own goroutines waiting for work: they end by themselves.
    if reason.hasPrefix("sleep") || Self.runtimeWaits.contains(where: reason.hasPrefix) { return .sleep }
    if reason.hasPrefix("semacquire") || reason.hasPrefix("sync.") {
      let functions = frames.map(\.function)
      if functions.contains("sync.(*RWMutex).RLock") { return .readLock }
      if functions.contains("sync.(*RWMutex).Lock") { return .writeLock }
      if functions.contains(where: { $0.hasPrefix("sync.(*Mutex).") }) { return .mutex }
      if functions.contains("sync.(*WaitGroup).Wait") { return .waitGroup }
      if functions.contains("sync.(*Cond).Wait") { return .cond }
    }
    // I/O, the collector, a system call's wait: nothing another goroutine holds.
    return .futex
  }

  /// The first argument of the first frame in one of these functions, when the dump
  /// prints it as an address (`0xc0000180a8`; `0x0?` and `...` are not addresses).
  func objectAddress(inFunctionsStartingWith prefixes: [String]) -> String? {
    for frame in frames where prefixes.contains(where: { frame.function.hasPrefix($0) }) {
      let first = frame.arguments.split(separator: ",").first.map { String($0.drop { $0 == " " }) } ?? ""
      if first.hasPrefix("0x"), !first.hasSuffix("?"), first != "0x0", first.count > 4 { return first }
    }
    return nil
  }
}
