import Deadtop
import DeadtopCore
import DeadtopReader
import Foundation
import Testing

/// Blocking bugs in the shapes they take in real programs, run on the real runtime and
/// judged by the analysis of this process's own segment: each is found, and its fix,
/// or a healthy program of the same shape, is not. (The test process keeps the leaked
/// tasks: they are stuck forever by design.)
@Suite struct LeakPatternTests {
  let reader: SegmentSource

  init() throws {
    _ = Mutex(name: "bootstrap")
    reader = try SegmentSource(pid: getpid())
  }

  /// The finding that holds `tasks`, once they are all blocked and the sampler has
  /// measured references after that; nil if none does by the deadline.
  func finding(for tasks: [UInt64], within seconds: Double = 10) throws -> Deadlock? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      let snapshot = try reader.snapshot()
      if tasks.allSatisfy({ snapshot.task($0)?.state == .blocked }) {
        usleep(600_000)  // the sampler measures references every 250 ms
        let analysis = Analysis(try reader.snapshot())
        return analysis.deadlocks.first { Set($0.waitingTasks).isSuperset(of: tasks) }
      }
      usleep(5_000)
    }
    return nil
  }

  /// Returns once `task` is blocked and the sampler has measured references since.
  func waitUntilMeasuredBlocked(_ task: TaskHandle) throws {
    let deadline = Date().addingTimeInterval(10)
    while try reader.snapshot().task(task.id)?.state != .blocked && Date() < deadline { usleep(5_000) }
    usleep(600_000)  // the sampler measures references every 250 ms
  }

  /// Whether any of `tasks` is reported deadlocked over a second of snapshots.
  func everReported(_ tasks: [UInt64]) throws -> Bool {
    for _ in 0..<8 {
      usleep(150_000)
      let analysis = Analysis(try reader.snapshot())
      if tasks.contains(where: { analysis.deadlocked.contains($0) }) { return true }
    }
    return false
  }

  // MARK: The first answer wins; the other senders leak (errc in Go)

  func firstAnswer(buffered: Bool, senders: inout [TaskHandle]) -> Int? {
    let answers = Channel<Int>(capacity: buffered ? 3 : 0, name: "answers")
    for index in 0..<3 { senders.append(spawn("answer-\(index)") { answers.send(index) }) }
    return answers.receive()
  }

  @Test func sendersLeftBehindByTheFirstAnswerAreStuckForever() throws {
    var senders: [TaskHandle] = []
    _ = firstAnswer(buffered: false, senders: &senders)
    // The first answer's sender ends; the other two wait forever.
    let deadline = Date().addingTimeInterval(10)
    var stuck: [UInt64] = []
    while stuck.count < 2 && Date() < deadline {
      usleep(5_000)
      let snapshot = try reader.snapshot()
      stuck = senders.map(\.id).filter { snapshot.task($0)?.state == .blocked }
    }
    #expect(stuck.count == 2)
    let found = try #require(try finding(for: stuck))
    #expect(found.kind == .stuckForever)
    // Every reference is accounted for: the facts prove nobody else can reach it.
    #expect(found.certainty == .certain)
    #expect(found.reason.contains("nothing but the tasks blocked on channel \"answers\" still refer to it"))
  }

  @Test func aBufferLetsEveryAnswerGo() throws {
    var senders: [TaskHandle] = []
    _ = firstAnswer(buffered: true, senders: &senders)
    for sender in senders { sender.join() }
  }

  // MARK: A lost wake-up: the signal comes before the wait

  func startWaiter(checksCondition: Bool) -> TaskHandle {
    let lock = Mutex(name: "ready-lock")
    let ready = Cond(lock, name: "ready")
    let flag = Guarded(false)
    lock.withLock {
      flag.value = true
      ready.signal()  // nobody waits yet: the signal is lost
    }
    return spawn("late-waiter") {
      lock.lock()
      if checksCondition {
        while !flag.value { ready.wait() }
      } else {
        ready.wait()
      }
      lock.unlock()
    }
  }

  @Test func aWaiterThatMissedTheSignalIsStuckForever() throws {
    let waiter = startWaiter(checksCondition: false)
    let found = try #require(try finding(for: [waiter.id]))
    #expect(found.kind == .stuckForever)
    #expect(found.reason.contains("cond \"ready\""))
  }

  @Test func aWaiterThatChecksItsConditionFirstGoesThrough() {
    startWaiter(checksCondition: true).join()
  }

  // MARK: A context nobody can cancel

  @Test func aWaiterOnAContextWhoseCancelWasDroppedIsCertainlyStuck() throws {
    let waiter = spawn("dropped-cancel") {
      let (context, _) = Context.withCancel(name: "dropped-cancel")
      _ = context.done.receive()
    }
    let found = try #require(try finding(for: [waiter.id]))
    #expect(found.kind == .stuckForever)
    #expect(found.certainty == .certain)
  }

  // MARK: Healthy shapes that must not be reported

  /// The receive holds the done channel, not the context: the context's count must keep
  /// the reference that the kept cancel function holds (the waiter's own is the other).
  @Test func aWaiterOnAContextWhoseCancelIsKeptIsNotReported() throws {
    let kept = Guarded<(@Sendable () -> Void)?>(nil)
    func startWaiter() -> TaskHandle {
      let (context, cancel) = Context.withCancel(name: "kept-cancel")
      kept.value = cancel
      return spawn("kept-cancel") { _ = context.done.receive() }
    }
    let waiter = startWaiter()
    try waitUntilMeasuredBlocked(waiter)
    #expect(try !everReported([waiter.id]))
    kept.value?()
    waiter.join()
  }

  /// Cancelling a parent ends its children: a child only its waiter holds is not stuck
  /// while some task can still cancel an ancestor.
  @Test func aWaiterOnTheChildOfAContextSomeoneCanCancelIsNotReported() throws {
    let kept = Guarded<(@Sendable () -> Void)?>(nil)
    func startWaiter() -> TaskHandle {
      let (parent, cancelParent) = Context.withCancel(name: "kept-parent")
      kept.value = cancelParent
      let (child, _) = Context.withCancel(parent, name: "dropped-child")
      return spawn("child-of-kept") { _ = child.done.receive() }
    }
    let waiter = startWaiter()
    try waitUntilMeasuredBlocked(waiter)
    #expect(try !everReported([waiter.id]))
    kept.value?()
    waiter.join()
  }

  final class Pool: @unchecked Sendable {
    let jobs = Channel<Int>(capacity: 4, name: "pool-jobs")
    let idle = Cond(Mutex(name: "pool-lock"), name: "pool-idle")
  }

  @Test func anIdleWorkerOfAPoolThatOwnsItsChannelIsNotReported() throws {
    let pool = Pool()
    let worker = spawn("pool-worker") { for _ in pool.jobs {} }
    let deadline = Date().addingTimeInterval(10)
    while try reader.snapshot().task(worker.id)?.state != .blocked && Date() < deadline { usleep(5_000) }
    #expect(try !everReported([worker.id]))
    pool.jobs.close()
    worker.join()
  }

  final class Server: @unchecked Sendable {
    let requests: Channel<Int>
    init(requests: Channel<Int>) { self.requests = requests }
  }

  /// A known false report: a channel made in a factory function and kept in an object's
  /// field is counted once however many tasks reach the object, exactly as a channel
  /// only its idle receiver's closure captures; counts cannot tell the two apart (that
  /// needs a reachability scan, as Go's collector does). Made in the initializer, or as
  /// a property's default, the channel's count is not trusted and nothing is reported.
  @Test func anIdleWorkerOnAFactoryMadeChannelKeptInAnObjectIsAKnownFalseReport() throws {
    func makeServer() -> Server { Server(requests: Channel(name: "factory-requests")) }
    let server = makeServer()
    let worker = spawn("factory-worker") { for request in server.requests { _ = request } }
    try waitUntilMeasuredBlocked(worker)
    let reported = try everReported([worker.id])
    withKnownIssue("a field's one reference looks like the worker's own") { #expect(!reported) }
    server.requests.close()
    worker.join()
  }

  @Test func aReceiverWaitingForASlowSenderIsNotReported() throws {
    let results = Channel<Int>(name: "slow-results")
    let sender = spawn("slow-sender") {
      Deadtop.sleep(1.5)
      results.send(42)
    }
    let receiver = spawn("patient-receiver") { _ = results.receive() }
    #expect(try !everReported([receiver.id]))
    receiver.join()
    sender.join()
  }
}

/// A value shared between tasks, guarded by a lock.
final class Guarded<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value
  init(_ value: Value) { stored = value }
  var value: Value {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}
