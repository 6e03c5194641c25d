import DeadtopCore
import Testing

@Suite struct LockOrderTests {
  let a = LockClass(key: 1, name: "A")
  let b = LockClass(key: 2, name: "B")
  let c = LockClass(key: 3, name: "C")
  let table = LockClass(key: 4, kind: .rwMutex, name: "table")
  func site(_ line: UInt32) -> CallSite { CallSite(file: "App/Jobs.swift", line: line, function: "run()") }

  @Test func bothOrdersOfTwoLocksArePredicted() throws {
    let edges = [
      LockOrderEdge(from: a, to: b, fromSite: site(10), toSite: site(11), task: 2),
      LockOrderEdge(from: b, to: a, fromSite: site(20), toSite: site(21), task: 3),
    ]
    let found = LockOrder.potentialDeadlocks(edges)
    #expect(found.count == 1)
    let potential = try #require(found.first)
    #expect(potential.classes == [a, b])
    #expect(potential.edges.map(\.toSite?.line) == [11, 21])
    let text = TextReport.describe(potential, number: 1)
    #expect(
      text[0]
        == "Potential deadlock 1 (lock order, has not happened): mutex \"A\" → mutex \"B\" → mutex \"A\"")
    #expect(
      text[1].contains("task 2 took mutex \"B\" at App/Jobs.swift:11 in run() while holding mutex \"A\""))
  }

  @Test func aPredictionThatCameTrueIsNotCalledNotHappened() throws {
    var process = SnapshotBuilder()
    let lockA = process.mutex(10, "A")
    let lockB = process.mutex(11, "B")
    process.blocked(2, "one", on: .mutex, .resource(lockB), holds: [holding(lockA)])
    process.blocked(3, "two", on: .mutex, .resource(lockA), holds: [holding(lockB)])
    var snapshot = process.snapshot
    snapshot.lockOrder = [LockOrderEdge(from: a, to: b, task: 2), LockOrderEdge(from: b, to: a, task: 3)]
    let analysis = Analysis(snapshot)
    let potential = try #require(analysis.potentialDeadlocks.first)
    #expect(potential.happening == 1)
    #expect(
      TextReport.describe(potential, number: 1)[0]
        == "Potential deadlock 1 (lock order, it has happened: deadlock 1): mutex \"A\" → mutex \"B\" → mutex \"A\""
    )
    #expect(!TextReport.render(analysis).contains("has not happened"))

    // The same orders with nobody stuck: only predicted.
    var calm = SnapshotBuilder()
    calm.mutex(10, "A")
    calm.mutex(11, "B")
    calm.running(2, "one")
    var quiet = calm.snapshot
    quiet.lockOrder = snapshot.lockOrder
    #expect(Analysis(quiet).potentialDeadlocks.first?.happening == nil)
  }

  @Test func aConsistentOrderIsNotADeadlock() {
    let edges = [
      LockOrderEdge(from: a, to: b, task: 2), LockOrderEdge(from: b, to: c, task: 3),
      LockOrderEdge(from: a, to: c, task: 4),
    ]
    #expect(LockOrder.potentialDeadlocks(edges).isEmpty)
  }

  @Test func aLongerCycleIsFound() {
    let edges = [
      LockOrderEdge(from: a, to: b, task: 2), LockOrderEdge(from: b, to: c, task: 3),
      LockOrderEdge(from: c, to: a, task: 4),
    ]
    #expect(LockOrder.potentialDeadlocks(edges).map(\.classes) == [[a, b, c]])
  }

  @Test func readAfterReadIsARiskOnlyWithAWriter() {
    // The table is only ever read-locked: a reader never blocks a reader.
    let readOnly = [
      LockOrderEdge(from: table, to: a, fromMode: .shared, toMode: .exclusive, task: 2),
      LockOrderEdge(from: a, to: table, fromMode: .exclusive, toMode: .shared, task: 3),
    ]
    #expect(LockOrder.potentialDeadlocks(readOnly).isEmpty)
    // Somebody also write-locks it (before taking B): now the readers can be stuck behind it.
    let withWriter =
      readOnly + [LockOrderEdge(from: table, to: b, fromMode: .exclusive, toMode: .exclusive, task: 4)]
    #expect(LockOrder.potentialDeadlocks(withWriter).count == 1)
  }

  @Test func longWaitsAreListedLongestFirst() {
    var process = SnapshotBuilder()
    let m = process.mutex(100, "m")
    process.running(1, "holder", holds: [holding(m)])
    process.blocked(2, "waiter", on: .mutex, .resource(m))
    let analysis = process.analysis
    #expect(analysis.longWaits(atLeast: 1).map(\.id) == [2])
    #expect(analysis.longWaits(atLeast: 5).isEmpty)
    let text = TextReport.render(analysis, longWaitSeconds: 1)
    #expect(text.contains("Long waits (at least 1.0s)"))
    #expect(text.contains("held by task 1 \"holder\", acquired at App/Bank.swift:7 in take()"))
  }

  /// A class that some task write-locks with nothing else held records no order, yet a
  /// cycle through it is real: the runtime marks the class, and the cycle is kept.
  @Test func aCycleThroughAClassWriteLockedAloneIsReported() {
    let readOnlyCycle = [
      LockOrderEdge(from: table, to: a, fromMode: .shared, toMode: .exclusive, task: 2),
      LockOrderEdge(from: a, to: table, fromMode: .exclusive, toMode: .shared, task: 3),
    ]
    #expect(LockOrder.potentialDeadlocks(readOnlyCycle).isEmpty)
    let marked = readOnlyCycle + [LockOrderEdge(from: table, to: table, toSite: site(40), task: 4)]
    let found = LockOrder.potentialDeadlocks(marked)
    #expect(found.map(\.kind) == [.lockOrder])
    #expect(found.first?.classes.count == 2)
  }

  @Test func aReadLockRetakenWhileHeldIsPredictedWhenTheClassIsWriteLocked() throws {
    let retaken = LockOrderEdge(
      from: table, to: table, fromSite: site(5), toSite: site(9), fromMode: .shared, toMode: .shared, task: 2)
    #expect(LockOrder.potentialDeadlocks([retaken]).isEmpty)  // no writer: read locks never block
    let found = LockOrder.potentialDeadlocks([retaken, LockOrderEdge(from: table, to: table, task: 3)])
    let potential = try #require(found.first)
    #expect(potential.kind == .readWriteRead)
    let text = TextReport.describe(potential, number: 1)
    #expect(text[0].hasPrefix("Potential deadlock 1 (read-write-read, has not happened): rwmutex \"table\""))
    #expect(
      text[1]
        == "    task 2 read-locked rwmutex \"table\" again at App/Jobs.swift:9 in run() while holding a read lock of it "
        + "(taken at App/Jobs.swift:5 in run())")
  }
}
