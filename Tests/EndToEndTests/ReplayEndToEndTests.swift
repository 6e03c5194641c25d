import DeadtopCore
import Foundation
import Testing

/// Recording a demo as a user would (`--record`) and playing it back: the same findings
/// at the same moments, and bad files refused in one line.
@Suite struct ReplayEndToEndTests {
  private func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "deadtop-replay-\(getpid())-\(name).dtrec"
  }

  @Test func aRecordedDeadlockReplaysAsItWasReported() throws {
    let path = temporaryPath("abba")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let live = try deadtop("demo", "abba", "--json", "--record", path)
    #expect(live.status == 3, "stderr: \(live.error)")
    let reported = try report(live)

    let end = try deadtop("replay", path, "--once", "--json", "--at", "end")
    #expect(end.status == 3, "stderr: \(end.error)")
    let replayed = try report(end)
    #expect(replayed.deadlocks.count == reported.deadlocks.count)
    #expect(Set(replayed.tasks.map(\.name)) == Set(reported.tasks.map(\.name)))
    #expect(replayed.process.pid == reported.process.pid)

    // The first finding is where the deadlock was first confirmed; the start holds none.
    let formed = try deadtop("replay", path, "--once", "--at", "deadlock")
    #expect(formed.status == 3)
    #expect(formed.output.hasPrefix("Replay: frame "))
    #expect(formed.output.contains("recorded by deadtop demo abba --json --record"))
    #expect(formed.output.contains("DEADLOCK: 1 deadlock"))
    let start = try deadtop("replay", path, "--once", "--at", "start")
    #expect(start.status == 0)
    #expect(start.output.contains("Replay: frame 1 of "))
    #expect(!start.output.contains("DEADLOCK"))
  }

  @Test func aFixedRunRecordsNoFinding() throws {
    let path = temporaryPath("fixed")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let live = try deadtop("demo", "abba", "--fixed", "--once", "--record", path)
    #expect(live.status == 0, "stderr: \(live.error)")
    let formed = try deadtop("replay", path, "--once", "--at", "deadlock")
    #expect(formed.status == 1)
    #expect(formed.error.hasPrefix("deadtop: \(path): no deadlock, hang or leak was confirmed in its "))
  }

  @Test func damagedAndForeignFilesAreRefusedInOneLine() throws {
    let path = temporaryPath("damaged")
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try deadtop("demo", "abba", "--once", "--record", path).status == 3)
    var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

    // A torn last frame: the frames before it replay, with a warning.
    try Data(bytes.dropLast(3)).write(to: URL(fileURLWithPath: path))
    let torn = try deadtop("replay", path, "--once", "--at", "start")
    #expect(torn.status == 0, "stderr: \(torn.error)")
    #expect(torn.error.hasPrefix("deadtop: \(path): "))
    #expect(torn.error.contains("replaying the "))

    // Not a recording at all.
    bytes[0] = UInt8(ascii: "X")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let foreign = try deadtop("replay", path, "--once")
    #expect(foreign.status == 1)
    #expect(foreign.error == "deadtop: \(path): not a deadtop recording (it does not start with DTREC)\n")

    let missing = try deadtop("replay", path + ".missing", "--once")
    #expect(missing.status == 1)
    #expect(missing.error.hasPrefix("deadtop: cannot read \(path).missing: no such file"))

    let badMoment = try deadtop("replay", path, "--once", "--at", "yesterday")
    #expect(badMoment.status == 1)
    #expect(badMoment.error.hasPrefix("deadtop: "))
    #expect(badMoment.error.split(separator: "\n").count == 1)
  }
}

/// Every demo, recorded as its report is made, replays to the report it made.
@Suite(.serialized) struct EveryDemoReplaysTests {
  static let scenarios: [String] = {
    guard let listing = try? deadtop("demo", "--list").output else { return [] }
    return listing.split(separator: "\n").dropFirst().compactMap {
      $0.split(separator: " ").first.map(String.init)
    }
  }()

  @Test(arguments: scenarios)
  func aDemosRecordingReplaysToItsReport(_ scenario: String) throws {
    let path = NSTemporaryDirectory() + "deadtop-replay-\(getpid())-\(scenario).dtrec"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let live = try deadtop("demo", scenario, "--json", "--record", path)
    let replayed = try deadtop("replay", path, "--once", "--json", "--at", "end")
    guard live.output.hasPrefix("{") else {
      // A scenario that ends in Go's own fatal error prints no report; what was recorded
      // before it plays, and when it ended before deadtop attached, deadtop says so.
      if live.error.contains("was not written: the scenario ended before deadtop attached") {
        #expect(replayed.error.hasPrefix("deadtop: cannot read \(path): no such file"))
      } else {
        #expect(replayed.status != 1, "\(replayed.error)")
      }
      return
    }
    #expect(replayed.status == live.status, "stderr: \(replayed.error)")
    let was = try report(live)
    let now = try report(replayed)
    #expect(now.deadlocks.count == was.deadlocks.count)
    #expect(now.hangs.count == was.hangs.count)
    #expect(now.retryLeaks.count == was.retryLeaks.count)
    #expect(now.potentialDeadlocks.count == was.potentialDeadlocks.count)
    #expect(Set(now.deadlocks.flatMap(\.tasks)) == Set(was.deadlocks.flatMap(\.tasks)))
    #expect(now.tasks.map(\.name).sorted() == was.tasks.map(\.name).sorted())
    if live.status == 3 || live.status == 5 {
      // The finding was first confirmed at the frame the report was made from, or before.
      let formed = try deadtop("replay", path, "--once", "--at", "deadlock")
      #expect(formed.status == live.status, "stderr: \(formed.error)")
    }
  }
}

/// The replay's views in a real terminal, driven by keys as a user drives them.
@Suite(.needsTmux) struct ReplayViewEndToEndTests {
  @Test func theTimelineStepsToWhereTheDeadlockFormed() throws {
    let path = NSTemporaryDirectory() + "deadtop-replay-view-\(getpid()).dtrec"
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try deadtop("demo", "abba", "--once", "--record", path).status == 3)
    let session = try TmuxSession("\(Binaries.deadtop.path) replay \(path)")
    let start = try session.waitFor("REPLAY paused")
    #expect(start.contains("frame 1/"))
    #expect(!start.contains("DEADLOCK"), "the first frame is before the deadlock")
    try session.send("d")
    let formed = try session.waitFor("the first finding was confirmed here")
    #expect(formed.contains("DEADLOCK: 1 found"))
    // The frame before: the deadlock was there, but not yet confirmed.
    try session.send("Left")
    let before = try session.waitFor("No deadlock.")
    #expect(!before.contains("DEADLOCK"))
    try session.send("Right")
    let again = try session.waitFor("DEADLOCK: 1 found")
    #expect(again.contains("EndLast"))
    try session.send("[")
    try session.waitFor("frame 1/")
    try session.send("q")
    try session.waitFor("EXITED=0")
  }
}
