import Deadtop
import DeadtopCore
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The baseline a channel is measured against: the textbook bounded queue over one
/// pthread mutex and condition variables, with Go's rendezvous for capacity 0 (a sender
/// waits until its value is taken). It publishes nothing and detects nothing.
final class ConditionChannel<Element>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var ring: [Element?]
  private var head = 0
  private var count = 0
  private let capacity: Int
  private var sent = 0
  private var taken = 0

  init(capacity: Int) {
    self.capacity = capacity
    ring = Array(repeating: nil, count: max(1, capacity))
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(changed, nil)
  }

  deinit {
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    changed.deallocate()
  }

  func send(_ value: Element) {
    pthread_mutex_lock(mutex)
    while count == ring.count { pthread_cond_wait(changed, mutex) }
    ring[(head + count) % ring.count] = value
    count += 1
    sent += 1
    let ticket = sent
    pthread_cond_broadcast(changed)
    if capacity == 0 { while taken < ticket { pthread_cond_wait(changed, mutex) } }
    pthread_mutex_unlock(mutex)
  }

  func receive() -> Element {
    pthread_mutex_lock(mutex)
    while count == 0 { pthread_cond_wait(changed, mutex) }
    let value = ring[head]!
    ring[head] = nil
    head = (head + 1) % ring.count
    count -= 1
    taken += 1
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
    return value
  }
}

extension BenchmarkSuite {
  // MARK: Channels

  static func channels() {
    print("Channels: Deadtop.Channel against a pthread mutex + condition variable queue")

    let roundTrips = 20_000
    let conditionPingPong = nanosecondsPerOperation(roundTrips) {
      let ping = ConditionChannel<Int>(capacity: 0)
      let pong = ConditionChannel<Int>(capacity: 0)
      let partner = spawn("bench-pong") { for _ in 0..<roundTrips { pong.send(ping.receive()) } }
      for trip in 0..<roundTrips {
        ping.send(trip)
        blackHole(pong.receive())
      }
      partner.join()
    }
    let channelPingPong = deadtopFigure("ping-pong")
    print("  unbuffered ping-pong between two tasks (\(roundTrips) round trips)")
    row("mutex + condition queue", conditionPingPong, baseline: conditionPingPong)
    row("Deadtop.Channel", channelPingPong, baseline: conditionPingPong)

    let items = 500_000
    let conditionThroughput = nanosecondsPerOperation(items) {
      let queue = ConditionChannel<Int>(capacity: 64)
      let consumer = spawn("bench-consumer") {
        var sum = 0
        for _ in 0..<items { sum &+= queue.receive() }
        blackHole(sum)
      }
      for item in 0..<items { queue.send(item) }
      consumer.join()
    }
    let channelThroughput = deadtopFigure("buffered")
    print("  buffered (64) producer to consumer (\(items) values)")
    row("mutex + condition queue", conditionThroughput, baseline: conditionThroughput)
    row("Deadtop.Channel", channelThroughput, baseline: conditionThroughput)

    let operations = 2_000_000
    let conditionAlone = ConditionChannel<Int>(capacity: 1)
    let conditionUncontended = nanosecondsPerOperation(operations) {
      for item in 0..<operations {
        conditionAlone.send(item)
        blackHole(conditionAlone.receive())
      }
    }
    let channelUncontended = deadtopFigure("alone")
    // A program's own element type: the channel's code runs unspecialized.
    struct Job { let id: Int, weight: Double }
    let conditionJobs = ConditionChannel<Job>(capacity: 1)
    let channelJobs = Channel<Job>(capacity: 1, name: "bench-jobs")
    let conditionJobPairs = nanosecondsPerOperation(operations) {
      for item in 0..<operations {
        conditionJobs.send(Job(id: item, weight: 1))
        blackHole(conditionJobs.receive())
      }
    }
    let channelJobPairs = nanosecondsPerOperation(operations) {
      for item in 0..<operations {
        channelJobs.send(Job(id: item, weight: 1))
        blackHole(channelJobs.receive())
      }
    }
    print("  send + receive on one task, never blocking (\(operations) pairs)")
    row("mutex + condition queue, Int", conditionUncontended, baseline: conditionUncontended)
    row("Deadtop.Channel<Int>", channelUncontended, baseline: conditionUncontended)
    row("mutex + condition queue, a struct", conditionJobPairs, baseline: conditionJobPairs)
    row("Deadtop.Channel<a struct>", channelJobPairs, baseline: conditionJobPairs)
    print("  (Int, String, Bool and Void channels use prespecialized code; other elements run generic code)")
    print("  target: within 2x of the mutex + condition queue\n")
  }

  // MARK: Analysis of channel waits

  /// A busy process of `count` tasks and as many channels: half the tasks run, the rest
  /// receive from or send to a channel a running task uses, a quarter of the waits are
  /// selects over two channels, and one pair in every thousand receives from each other
  /// first (a cycle).
  static func syntheticChannelSnapshot(tasks count: Int) -> Snapshot {
    var tasks: [TaskInfo] = []
    var resources: [ResourceInfo] = []
    for index in 0..<count {
      let id = UInt64(index + 1)
      let partner = index % 2 == 0 ? id : id - 1  // the running task beside it
      let cyclePartner = index % 1000 == 1 ? id + 2 : index % 1000 == 3 ? id - 2 : nil
      let users = cyclePartner.map { [id, $0] } ?? [partner, id]
      let buffer = index % 3 == 0 || cyclePartner != nil ? 0 : 4  // full when buffered
      resources.append(
        ResourceInfo(
          id: id, kind: .channel, name: "c\(index)", capacity: buffer, count: buffer, users: users,
          references: users.count))
    }
    for index in 0..<count {
      let id = UInt64(index + 1)
      if index % 2 == 0 {
        tasks.append(TaskInfo(id: id, name: "t\(index)", state: .running))
        continue
      }
      let wait: Wait
      if index % 1000 == 1 || index % 1000 == 3 {
        // Receives from the channel its partner would send on: the partner's own.
        let other = index % 1000 == 1 ? id + 2 : id - 2
        wait = Wait(kind: .receive, target: .resource(other), sequence: id)
      } else if index % 4 == 3 {
        wait = Wait(
          kind: .select, target: .resource(0), sequence: id,
          cases: [
            Wait.Case(resource: id, operation: .send), Wait.Case(resource: id - 2, operation: .send),
          ])
      } else {
        wait = Wait(kind: .send, target: .resource(id), sequence: id)
      }
      tasks.append(TaskInfo(id: id, name: "t\(index)", state: .blocked, wait: wait))
    }
    return Snapshot(
      process: ProcessSummary(pid: 1, name: "synthetic-channels", source: .recording),
      takenAtNanoseconds: 1, tasks: tasks, resources: resources)
  }

  /// Tasks in retry loops: half run, the rest wait in a select on a timer of their own
  /// and a context's done channel; every tenth context is held by nobody else (a retry
  /// leak), the others by a running task. The event ring holds a thousand earlier waits.
  static func syntheticRetrySnapshot(tasks count: Int) -> Snapshot {
    var tasks: [TaskInfo] = []
    var resources: [ResourceInfo] = []
    var events: [Event] = []
    let site = CallSite(file: "Retry.swift", line: 9, function: "retry()")
    for index in 0..<count {
      let id = UInt64(index + 1)
      guard index % 2 == 1 else {
        tasks.append(TaskInfo(id: id, name: "t\(index)", state: .running))
        continue
      }
      let leaked = index % 20 == 1
      let timer = 1_000_000 + id
      resources.append(ResourceInfo(id: timer, kind: .channel, capacity: 1, clockDriven: true, users: [id]))
      var done = ResourceInfo(
        id: id, kind: .channel, name: "ctx\(index)", site: site, users: leaked ? [id] : [id, id - 1],
        references: leaked ? 1 : 2)
      done.createdAtNanoseconds = 1
      resources.append(done)
      let wait = Wait(
        kind: .select, target: .resource(0), sinceNanoseconds: 2_000, sequence: id, site: site,
        cases: [
          Wait.Case(resource: timer, operation: .receive), Wait.Case(resource: id, operation: .receive),
        ])
      tasks.append(TaskInfo(id: id, name: "t\(index)", state: .blocked, wait: wait))
      if events.count < 1_000 {
        events.append(Event(kind: .block, timeNanoseconds: 1_000, task: id, site: site, waitKind: .select))
      }
    }
    var snapshot = Snapshot(
      process: ProcessSummary(pid: 1, name: "synthetic-retries", source: .recording),
      takenAtNanoseconds: 3_000, tasks: tasks, resources: resources)
    snapshot.events = events
    return snapshot
  }
}
