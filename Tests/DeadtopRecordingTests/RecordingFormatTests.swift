import DeadtopCore
import Testing

@testable import DeadtopRecording

/// Every field of a snapshot, set to something other than its default.
func fullSnapshot(at time: UInt64, tasks taskCount: Int = 6, events eventCount: Int = 5) -> Snapshot {
  let site = CallSite(file: "App/Bank.swift", line: 31, function: "transfer(from:to:)")
  var tasks: [TaskInfo] = []
  for id in 1...UInt64(taskCount) {
    var wait = Wait(
      kind: id % 2 == 0 ? .select : .mutex, target: id % 3 == 0 ? .task(1) : .resource(100 + id),
      sinceNanoseconds: time - 1_000, sequence: id * 7, site: site,
      cases: id % 2 == 0
        ? [Wait.Case(resource: 100, operation: .send), Wait.Case(resource: 101, operation: .receive)] : [],
      deadlineNanoseconds: id % 4 == 0 ? time + 5 : nil, iterating: id == 2)
    wait.unlistedCases = id == 4
    wait.sinceIsLowerBound = id == 6
    var task = TaskInfo(
      id: id, osThreadID: Int32(4000 + id), name: "worker-\(id)", state: id == 5 ? .ended : .blocked,
      wait: wait,
      holds: [Hold(resource: 100 + id, mode: id % 2 == 0 ? .shared : .exclusive, site: id == 1 ? site : nil)],
      unlistedHolds: Int(id % 2), spawnSite: site, parent: id == 1 ? nil : 1, createdAtNanoseconds: id,
      endedAtNanoseconds: id == 5 ? time - 2 : nil, stale: id == 3, detail: id == 2 ? "futex 0x7f00" : nil,
      cpuSeconds: id == 1 ? 0.125 : nil)
    task.stack = id == 1 ? ["#0 futex_wait", "#1 main"] : []
    tasks.append(task)
  }
  var channel = ResourceInfo(
    id: 100, kind: .channel, name: "jobs", site: site,
    contention: Contention(contended: 3, totalWaitNanoseconds: 900, maxWaitNanoseconds: 400), capacity: 4,
    count: 2,
    closed: true, clockDriven: true, users: [1, 2], listsMembers: true, references: 3)
  channel.uses = [.mayReceive, [.maySend, .hasSent]]
  channel.unlistedUsers = true
  channel.usableFromOutside = true
  channel.createdAtNanoseconds = 77
  let resources =
    [channel] + (101...106).map { ResourceInfo(id: $0, kind: .mutex, name: $0 == 103 ? nil : "m\($0)") }
  var snapshot = Snapshot(
    process: ProcessSummary(
      pid: 4242, name: "bank", source: .runtime, abiVersion: 3, startedAtNanoseconds: 5),
    takenAtNanoseconds: time, tasks: tasks, resources: resources,
    counters: Counters(
      acquisitions: time, contended: 2, blocks: 3, tasksCreated: 4, resourcesCreated: 5, tasksDropped: 6,
      resourcesDropped: 7),
    warnings: ["the task table is full"])
  snapshot.hiddenFacts = ["lock owners behind a permission"]
  snapshot.lockOrder = [
    LockOrderEdge(
      from: LockClass(key: 1, name: "a"), to: LockClass(key: 2, kind: .rwMutex, identity: .createdAt(site))),
    LockOrderEdge(
      from: LockClass(key: 3, kind: .once, identity: .unknown(9)), to: LockClass(key: 1, name: "a"),
      fromSite: site,
      toSite: site, fromMode: .shared, toMode: .shared, task: 2),
  ]
  snapshot.schedtrace = [
    SchedRecord(timeNanoseconds: time, line: "SCHED \(time)ms: tasks=6", tasks: 6, running: 1, blocked: 4)
  ]
  snapshot.events = (0..<UInt64(eventCount)).map {
    Event(
      kind: Event.Kind.allCases[Int($0) % Event.Kind.allCases.count], timeNanoseconds: time - 100 + $0,
      task: $0,
      target: 100, site: $0 == 0 ? site : nil, waitKind: $0 == 1 ? .receive : nil, durationNanoseconds: $0)
  }
  snapshot.siteContention = [SiteContention(site: site, contention: Contention(contended: 1))]
  snapshot.pools = [
    ThreadPool(name: "Swift concurrency pool", width: 2, running: 2, threads: [1, 2], queued: nil)
  ]
  snapshot.heartbeat = time / 3
  snapshot.declaredDeadlock = "fatal error: all goroutines are asleep - deadlock!"
  return snapshot
}

/// A process over time: tasks come, change, go and are reordered; the rings slide.
func evolvingSnapshots(count: Int) -> [Snapshot] {
  var result: [Snapshot] = []
  var current = fullSnapshot(at: 1_000_000)
  for frame in 0..<count {
    current.takenAtNanoseconds += 500_000_000
    switch frame % 7 {
    case 1: current.tasks[1].name = "renamed-\(frame)"
    case 2: current.tasks.append(TaskInfo(id: UInt64(1000 + frame), name: "new-\(frame)", state: .running))
    case 3: if current.tasks.count > 3 { current.tasks.remove(at: 2) }
    case 4: current.tasks.swapAt(0, current.tasks.count - 1)
    case 5: current.resources[0].count = frame
    case 6: current.warnings = frame % 2 == 0 ? [] : ["slots could not be read"]
    default: break
    }
    // The event ring slides: the oldest go, new ones come.
    current.events.removeFirst(min(2, current.events.count))
    current.events.append(Event(kind: .block, timeNanoseconds: current.takenAtNanoseconds, task: 1))
    current.events.append(Event(kind: .wake, timeNanoseconds: current.takenAtNanoseconds + 1, task: 2))
    current.schedtrace.append(
      SchedRecord(timeNanoseconds: current.takenAtNanoseconds, line: "SCHED \(frame)"))
    if frame % 10 == 9 {
      current.lockOrder.append(
        LockOrderEdge(
          from: LockClass(key: 7, name: "x"), to: LockClass(key: UInt32(frame), name: "y\(frame)")))
    }
    current.counters.acquisitions += 3
    current.heartbeat += 1
    result.append(current)
  }
  return result
}

@Suite struct RecordingFormatTests {
  @Test func everyFieldOfASnapshotSurvivesAKeyFrame() throws {
    let recorder = Recorder(meta: .sample)
    let snapshot = fullSnapshot(at: 9_000_000_000)
    recorder.append(snapshot)
    #expect(recorder.recent.frames.first?.kind == .key)
    #expect(try recorder.recent.snapshot(at: 0) == snapshot)
  }

  @Test func deltasReproduceEveryFrameOfAChangingProcess() throws {
    let recorder = Recorder(meta: .sample)
    let snapshots = evolvingSnapshots(count: 150)
    for snapshot in snapshots { recorder.append(snapshot) }
    let recording = recorder.recent
    #expect(recording.count == snapshots.count)
    #expect(recording.frames.filter { $0.kind == .key }.count == 3)  // frames 0, 64, 128
    var previous: (index: Int, snapshot: Snapshot)?
    for index in snapshots.indices {
      let decoded = try recording.snapshot(at: index, near: previous)
      #expect(decoded == snapshots[index], "frame \(index)")
      previous = (index, decoded)
    }
    // Jumping backwards decodes from the key frame before.
    #expect(try recording.snapshot(at: 70) == snapshots[70])
    #expect(try recording.snapshot(at: 3) == snapshots[3])
  }

  @Test func aDeltaOfAQuietProcessIsSmall() throws {
    let recorder = Recorder(meta: .sample)
    var snapshot = fullSnapshot(at: 1_000, tasks: 1_000)
    recorder.append(snapshot)
    let keySize = recorder.recent.frames[0].payload.count
    snapshot.takenAtNanoseconds += 500_000_000
    snapshot.tasks[10].name = "changed"
    recorder.append(snapshot)
    let deltaSize = recorder.recent.frames[1].payload.count
    #expect(deltaSize * 50 < keySize, "a key frame of \(keySize) bytes, a delta of \(deltaSize)")
    #expect(try recorder.recent.snapshot(at: 1) == snapshot)
  }

  @Test func aRepeatedIdMakesAKeyFrameSoDeltasStayExact() throws {
    let recorder = Recorder(meta: .sample)
    var snapshot = fullSnapshot(at: 1_000)
    recorder.append(snapshot)
    snapshot.tasks.append(snapshot.tasks[0])
    recorder.append(snapshot)
    #expect(recorder.recent.frames[1].kind == .key)
    #expect(try recorder.recent.snapshot(at: 1) == snapshot)
  }

  @Test func aFileReadsBackToTheSameFrames() throws {
    let recorder = Recorder(meta: .sample)
    let snapshots = evolvingSnapshots(count: 80)
    for snapshot in snapshots { recorder.append(snapshot) }
    let read = try Recording(fileBytes: recorder.recent.fileBytes())
    #expect(read.meta == .sample)
    #expect(read.damage == nil)
    #expect(read.count == snapshots.count)
    #expect(try read.snapshot(at: 79) == snapshots[79])
    #expect(read.index(at: snapshots[40].takenAtNanoseconds) == 40)
    #expect(read.index(at: snapshots[40].takenAtNanoseconds + 1) == 40)
    #expect(read.index(at: 0) == 0)
  }

  @Test func aTruncatedFileReplaysUpToTheCut() throws {
    let recorder = Recorder(meta: .sample)
    for snapshot in evolvingSnapshots(count: 20) { recorder.append(snapshot) }
    let bytes = recorder.recent.fileBytes()
    let read = try Recording(fileBytes: Array(bytes.dropLast(3)))
    #expect(read.count == 19)
    #expect(read.damage?.contains("the file ends inside a frame") == true)
    #expect(read.damage?.contains("after 19 snapshots") == true)
    #expect(try read.snapshot(at: 18) == recorder.recent.snapshot(at: 18))
  }

  @Test func aCorruptByteStopsTheReplayAtItsFrame() throws {
    let recorder = Recorder(meta: .sample)
    for snapshot in evolvingSnapshots(count: 20) { recorder.append(snapshot) }
    var bytes = recorder.recent.fileBytes()
    bytes[bytes.count - 20] ^= 0x40  // inside the last frame
    let read = try Recording(fileBytes: bytes)
    #expect(read.count == 19)
    #expect(read.damage?.contains("checksum does not match") == true)
  }

  @Test func whatIsNotARecordingIsRefusedClearly() throws {
    #expect(throws: RecordingError.notARecording("the file is empty")) { try Recording(fileBytes: []) }
    #expect(throws: RecordingError.notARecording("it does not start with DTREC")) {
      try Recording(fileBytes: Array("goroutine 1 [running]:\n".utf8))
    }
    var newer = Recorder(meta: .sample).recent.fileBytes()
    newer[6] = 9
    #expect(throws: RecordingError.unsupportedVersion(9)) { try Recording(fileBytes: newer) }
    #expect(throws: RecordingError.empty) {
      try Recording(fileBytes: Recorder(meta: .sample).recent.fileBytes())
    }
    let damagedFirst = Recorder(meta: .sample)
    damagedFirst.append(fullSnapshot(at: 1_000_000))
    let cut = Array(damagedFirst.recent.fileBytes().dropLast(1))
    #expect(throws: RecordingError.self) { try Recording(fileBytes: cut) }
  }

  @Test func theWindowKeepsTheLastMinutesAndStartsWithAKeyFrame() throws {
    let recorder = Recorder(meta: .sample, window: Recorder.Window(seconds: 60, bytes: 1 << 30))
    let snapshots = evolvingSnapshots(count: 400)  // 200 s at 500 ms
    for snapshot in snapshots { recorder.append(snapshot) }
    let window = recorder.recent
    #expect(window.frames.first?.kind == .key)
    let span = Double(window.time(at: window.count - 1) - window.time(at: 0)) / 1e9
    #expect(span <= 60)
    #expect(span >= 60 - 32.5)  // a key frame's run of 64 frames at 500 ms
    #expect(try window.snapshot(at: window.count - 1) == snapshots.last)
    #expect(try window.snapshot(at: 0) == snapshots[snapshots.count - window.count])
    #expect(
      try Recording(fileBytes: window.fileBytes()).snapshot(at: 0)
        == snapshots[snapshots.count - window.count])
  }
}

extension RecordingMeta {
  static let sample = RecordingMeta(
    wallClockNanoseconds: 1_780_000_000_000_000_000, monotonicNanoseconds: 1_000, intervalMilliseconds: 500,
    command: "deadtop --attach 4242")
}
