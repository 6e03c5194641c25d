import Deadtop
import Foundation
import Synchronization
import Testing

/// How many times each value was received.
final class Tally: Sendable {
  private let received: Synchronization.Mutex<[Int]>
  init(_ values: Int) { received = .init(Array(repeating: 0, count: values)) }
  func count(_ value: Int) { received.withLock { $0[value] += 1 } }
  var counts: [Int] { received.withLock { $0 } }
}

/// Hand-off under load: tasks that spin and tasks that sleep meet on the same channels
/// and locks, values are sent once each, and channels close and contexts cancel while
/// waiters spin. A lost wake-up shows as a task that never ends (each test waits with a
/// deadline and fails instead of hanging); a double or lost delivery, as a wrong tally.
/// CI runs these in debug (`swift test`) and in release (`scripts/stress`).
@Suite struct HandoffStressTests {
  /// Waits for every task to end, or fails after a deadline naming those still running.
  func joinAll(_ tasks: [TaskHandle], within seconds: Double = 60, _ what: String) {
    let finished = Channel<Void>(name: "stress-finished")
    let joiner = spawn("stress-joiner") {
      for task in tasks { task.join() }
      finished.close()
    }
    var done = false
    select(.receive(finished) { _ in done = true }, .receive(after(seconds)) { _ in })
    #expect(done, "\(what): tasks still blocked after \(seconds) s (a lost wake-up)")
    if done { joiner.join() }
  }

  /// A pause that makes the next operation likely to meet a parked partner, not a
  /// spinning one: the spin cap is tens of microseconds.
  static func maybeSleep(_ index: Int) {
    if index % 7 == 0 { usleep(UInt32(50 + index % 5 * 40)) }
  }

  @Test(arguments: [0, 1, 8])
  func everyValueIsDeliveredExactlyOnce(capacity: Int) {
    let producers = 4
    let perProducer = 5_000
    let channels = (0..<3).map { Channel<Int>(capacity: capacity, name: "stress-\(capacity)-\($0)") }
    let seen = Tally(producers * perProducer)
    let producerGroup = WaitGroup(name: "stress-producers")
    for producer in 0..<producers {
      producerGroup.go("stress-producer-\(producer)") {
        for item in 0..<perProducer {
          channels[(producer + item) % channels.count].send(producer * perProducer + item)
          Self.maybeSleep(item + producer)
        }
      }
    }
    let closer = spawn("stress-closer") {
      producerGroup.wait()
      for channel in channels { channel.close() }
    }
    // One consumer per channel receives from it alone (so that no sender can wait for a
    // consumer parked elsewhere); one more selects over every channel still open.
    var consumerTasks = channels.enumerated().map { index, channel in
      spawn("stress-consumer-\(index)") {
        var round = 0
        while let value = channel.receive() {
          seen.count(value)
          round += 1
          Self.maybeSleep(round + index)
        }
      }
    }
    consumerTasks.append(
      spawn("stress-selecting-consumer") {
        var alive = Array(repeating: true, count: channels.count)
        var round = 0
        while alive.contains(true) {
          round += 1
          var cases: [SelectCase] = []
          for (index, channel) in channels.enumerated() where alive[index] {
            cases.append(
              .receiveWithStatus(channel) { value, ok in
                if ok, let value { seen.count(value) } else { alive[index] = false }
              })
          }
          select(cases)
          Self.maybeSleep(round)
        }
      })
    joinAll(consumerTasks + [closer], "capacity \(capacity)")
    let counts = seen.counts
    let missing = counts.indices.filter { counts[$0] == 0 }
    let doubled = counts.indices.filter { counts[$0] > 1 }
    #expect(missing.count == 0, "never received: \(Array(missing.prefix(10)))")
    #expect(doubled.count == 0, "received twice: \(Array(doubled.prefix(10)))")
  }

  @Test func closeWhileReceiversSpinReleasesEveryOne() {
    for round in 0..<200 {
      let channel = Channel<Int>(name: "stress-close-\(round)")
      let got = SharedCount()
      let receivers = (0..<3).map { index in
        spawn("stress-close-receiver-\(index)") {
          if channel.receive() == nil { got.add() }
        }
      }
      // Close at once (receivers spinning or not yet waiting) or after they have parked.
      if round % 2 == 1 { usleep(UInt32(round % 10 * 20)) }
      channel.close()
      joinAll(receivers, within: 30, "close in round \(round)")
      #expect(got.count == 3)
    }
  }

  @Test func cancellationWhileWaitersSpinReachesEveryOne() {
    for round in 0..<200 {
      let (context, cancel) = Context.withCancel(name: "stress-cancel-\(round)")
      let never = Channel<Int>(name: "stress-never-\(round)")
      let cancelled = SharedCount()
      let waiters = (0..<3).map { index in
        spawn("stress-cancel-waiter-\(index)") {
          select(.receive(context.done) { _ in cancelled.add() }, .receive(never) { _ in })
        }
      }
      if round % 2 == 1 { usleep(UInt32(round % 10 * 20)) }
      cancel()
      joinAll(waiters, within: 30, "cancel in round \(round)")
      #expect(cancelled.count == 3)
    }
  }

  @Test func mutexAndRWMutexKeepTheirInvariantsUnderContention() {
    let mutex = Deadtop.Mutex(name: "stress-mutex")
    let rw = RWMutex(name: "stress-rw")
    // Guarded by `mutex` and by `rw` respectively; the second is a pair kept equal.
    nonisolated(unsafe) var counter = 0
    nonisolated(unsafe) var pair = (0, 0)
    let broken = SharedCount()
    let perTask = 20_000
    var tasks: [TaskHandle] = []
    for index in 0..<4 {
      tasks.append(
        spawn("stress-locker-\(index)") {
          for step in 0..<perTask {
            mutex.withLock { counter += 1 }
            if step % 4 == 0 {
              rw.withLock {
                pair.0 += 1
                pair.1 += 1
              }
            } else {
              rw.withReadLock { if pair.0 != pair.1 { broken.add() } }
            }
            if step % 1000 == 0 { Self.maybeSleep(index * 7) }
          }
        })
    }
    joinAll(tasks, "locks")
    #expect(counter == 4 * perTask)
    #expect(pair.0 == 4 * perTask / 4 && pair.1 == pair.0)
    #expect(broken.count == 0, "a reader saw a writer's half-done update")
  }

  @Test func condAndWaitGroupHandOffUnderLoad() {
    let lock = Deadtop.Mutex(name: "stress-cond-lock")
    let cond = Cond(lock, name: "stress-cond")
    nonisolated(unsafe) var queue: [Int] = []
    nonisolated(unsafe) var taken = 0
    let total = 20_000
    let group = WaitGroup(name: "stress-cond-group")
    for consumer in 0..<3 {
      group.go("stress-cond-consumer-\(consumer)") {
        while true {
          lock.lock()
          while queue.isEmpty && taken < total { cond.wait() }
          if taken >= total {
            lock.unlock()
            return
          }
          queue.removeLast()
          taken += 1
          if taken == total { cond.broadcast() }
          lock.unlock()
        }
      }
    }
    let producer = spawn("stress-cond-producer") {
      for item in 0..<total {
        lock.withLock {
          queue.append(item)
          cond.signal()
        }
        Self.maybeSleep(item)
      }
    }
    let waiter = spawn("stress-cond-waiter") { group.wait() }
    joinAll([producer, waiter], "cond")
    #expect(taken == total)
  }
}
