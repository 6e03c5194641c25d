import DeadtopCore
import Testing

/// The words of a finding fit each primitive, and the cycle drawn is the one a person
/// means (issue: "show the real cycle as the cycle").
@Suite struct ExplanationTests {
  /// receive-first: main waits for its members ping and pong; each receives from the
  /// other's channel first. main made both channels, so it counts as their user.
  func receiveFirst() -> Analysis {
    var process = SnapshotBuilder()
    let pings = process.synchronizer(100, .channel, "pings", users: [1, 3], createdAt: 1_000)
    let pongs = process.synchronizer(101, .channel, "pongs", users: [1, 2], createdAt: 1_000)
    let players = process.synchronizer(
      102, .waitGroup, "players", count: 2, users: [2, 3], listsMembers: true, createdAt: 1_000)
    process.blocked(1, "main", on: .waitGroup, .resource(players))
    process.blocked(2, "ping", on: .receive, .resource(pongs), parent: 1, createdAt: 2_000)
    process.blocked(3, "pong", on: .receive, .resource(pings), parent: 1, createdAt: 2_000)
    return process.analysis
  }

  @Test func theCycleDrawnIsBetweenTheChannelPeers() throws {
    let analysis = receiveFirst()
    let finding = try #require(analysis.deadlocks.first)
    #expect(finding.cycleTasks == [2, 3], "ping ↔ pong, not main → ping → main")
    #expect(finding.otherMembers == [1])
    let text = TextReport.describe(finding, number: 1, in: analysis)
    #expect(
      text == [
        "Deadlock 1: cycle of 2 tasks (certain)",
        "    task 2 \"ping\" waits to receive from channel \"pongs\" for 2.0s, at App/Bank.swift:2 in run()",
        "  → channel \"pongs\" could be sent on by task 3 \"pong\"",
        "    task 3 \"pong\" waits to receive from channel \"pings\" for 2.0s, at App/Bank.swift:3 in run()",
        "  → channel \"pings\" could be sent on by task 2 \"ping\": back to the start",
        "  also deadlocked with it:",
        "    task 1 \"main\" waits for waitgroup \"players\" for 2.0s, at App/Bank.swift:1 in run()",
        "  why certain: every live task is blocked, so none can ever wake another",
      ])
  }

  @Test func theChainSaysWhatEachEdgeIs() {
    let analysis = receiveFirst()
    let chain = Explanation.chain(analysis.deadlocks[0], in: analysis)
    #expect(chain.map(\.verb) == ["receives from", "receives from"])
    #expect(chain.map(\.link) == ["used by", "used by"])
    #expect(chain.map(\.resource) == ["channel \"pongs\"", "channel \"pings\""])

    // A lock: wants / held by; a WaitGroup's members: waits for / member.
    var locks = SnapshotBuilder()
    let a = locks.mutex(10, "A")
    let b = locks.mutex(11, "B")
    locks.blocked(1, "one", on: .mutex, .resource(b), holds: [holding(a)])
    locks.blocked(2, "two", on: .mutex, .resource(a), holds: [holding(b)])
    let lockChain = Explanation.chain(locks.analysis.deadlocks[0], in: locks.analysis)
    #expect(lockChain.map(\.verb) == ["wants", "wants"])
    #expect(lockChain.map(\.link) == ["held by", "held by"])
  }

  /// mutex-send: the writer holds `state` while sending to the reader, which wants
  /// `state` before it receives; their server waits for both as members.
  @Test func aLockHeldAcrossASendIsTheCycleNotTheServersWaitGroup() throws {
    var process = SnapshotBuilder()
    let state = process.mutex(10, "state")
    let updates = process.synchronizer(
      100, .channel, "updates", users: [3, 4], references: 3, createdAt: 1_000)
    let tasks = process.synchronizer(
      101, .waitGroup, "server-tasks", count: 2, users: [4, 5], listsMembers: true, createdAt: 1_000)
    process.running(1, "main")
    process.blocked(3, "server", on: .waitGroup, .resource(tasks), parent: 1)
    process.blocked(
      4, "writer", on: .send, .resource(updates), holds: [holding(state)], parent: 3, createdAt: 2_000)
    process.blocked(5, "reader", on: .mutex, .resource(state), parent: 3, createdAt: 2_000)
    let analysis = process.analysis
    let finding = try #require(analysis.deadlocks.first)
    #expect(finding.cycleTasks == [4, 5])
    let text = TextReport.describe(finding, number: 1, in: analysis)
    #expect(text[2] == "  → channel \"updates\" could be received from by task 5 \"reader\"")
    #expect(text[4].hasPrefix("  → mutex \"state\" is held by task 4 \"writer\""))
  }

  @Test func aWaitIsWordedWithTheRightVerb() {
    var process = SnapshotBuilder()
    let group = process.synchronizer(100, .waitGroup, "workers", count: 1, users: [1])
    let ready = process.synchronizer(101, .cond, "ready", users: [2])
    process.blocked(1, "main", on: .waitGroup, .resource(group))
    process.blocked(2, "consumer", on: .cond, .resource(ready))
    let snapshot = process.snapshot
    #expect(
      Explanation.waitLine(1, in: snapshot).hasPrefix("task 1 \"main\" waits for waitgroup \"workers\" for"))
    #expect(
      Explanation.waitLine(2, in: snapshot).hasPrefix("task 2 \"consumer\" waits on cond \"ready\" for"))
  }
}
