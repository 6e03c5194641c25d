import DeadtopCore
import DeadtopRecording
import Testing

@testable import DeadtopTUI

/// The timeline a replay and the live view's history share: stepping, finding where the
/// deadlock formed, play's pace, and what the header and key bar say about it.
@Suite struct TimelineTests {
  /// Three healthy frames, then the bank's deadlock for three frames, 500 ms apart.
  private func bankRecording() -> Recording {
    let deadlocked = bankAnalysis().snapshot
    var healthy = deadlocked
    healthy.tasks = healthy.tasks.map { task in
      var task = task
      if task.id == 2 || task.id == 3 {
        task.wait = nil
        task.state = .running
      }
      return task
    }
    let recorder = Recorder(
      meta: RecordingMeta(
        wallClockNanoseconds: 1_700_000_000_000_000_000, monotonicNanoseconds: deadlocked.takenAtNanoseconds,
        intervalMilliseconds: 500, command: "deadtop --attach 4242"))
    for frame in 0..<6 {
      var snapshot = frame < 3 ? healthy : deadlocked
      snapshot.takenAtNanoseconds = deadlocked.takenAtNanoseconds + UInt64(frame) * 500_000_000
      recorder.append(snapshot)
    }
    return recorder.recent
  }

  @Test func aReplayStepsAndFindsWhereTheDeadlockFormed() throws {
    var timeline = Timeline(replaying: bankRecording())
    #expect(timeline.index == 0)
    let first = try timeline.analysis()
    #expect(first?.deadlocks.isEmpty == true)
    // The deadlock first shows in frame 3; it is confirmed by frame 4, as the live view would.
    let formed = try timeline.formedIndex()
    #expect(formed == 4)
    timeline.step(3)
    #expect(timeline.index == 3)
    let unconfirmed = try timeline.analysis()
    #expect(unconfirmed?.deadlocks.isEmpty == true, "one frame is not yet a confirmed deadlock")
    timeline.step(1)
    let confirmed = try timeline.analysis()
    #expect(confirmed?.deadlocks.count == 1)
    timeline.step(10)
    #expect(timeline.index == 5, "a replay stops at its last frame")
    timeline.moveToStart()
    #expect(timeline.index == 0)
  }

  @Test func playKeepsTheRecordedPaceAtItsSpeed() {
    var timeline = Timeline(replaying: bankRecording())
    timeline.togglePlaying(now: 100)
    let atOnce = timeline.advance(now: 100)
    #expect(atOnce == false)
    timeline.changeSpeed(faster: true, now: 100)  // 2x
    let halfASecond = timeline.advance(now: 100.5)
    #expect(halfASecond)
    #expect(timeline.index == 2, "half a second at 2x is two frames of 500 ms")
    let later = timeline.advance(now: 200)
    #expect(later)
    #expect(timeline.index == 5)
    #expect(timeline.playing == false, "play stops at the end")
  }

  @Test func theLiveViewStepsBackAndFollowsAgain() {
    var timeline = Timeline(live: bankRecording())
    #expect(timeline.isActive == false)
    #expect(timeline.status(formedIndex: nil) == nil, "the header says nothing while following")
    timeline.step(-1)
    #expect(timeline.isActive)
    #expect(timeline.index == 4)
    timeline.step(1)
    timeline.step(1)
    #expect(timeline.isActive == false, "stepping past the newest frame follows the process again")
  }

  @Test func theHeaderAndKeyBarSayWhereTheReplayIs() throws {
    var timeline = Timeline(replaying: bankRecording())
    timeline.step(4)
    let formed = try timeline.formedIndex()
    let status = try #require(timeline.status(formedIndex: formed))
    #expect(status.text(glyphs: .unicode) == "REPLAY paused  22:13:22 UTC  +2.0s of 2.5s  frame 5/6")
    let frame = Frame(analysis: try timeline.analysis(), timeline: status)
    let screen = Renderer.render(AppState(), frame, width: 120, height: 30)
    #expect(screen.line(0).hasSuffix("REPLAY paused  22:13:22 UTC  +2.0s of 2.5s  frame 5/6"))
    #expect(screen.line(29).contains("←→Step SpcPlay dFormed EndLast"))
    var asciiFrame = frame
    asciiFrame.glyphs = .ascii
    let narrow = Renderer.render(AppState(), asciiFrame, width: 80, height: 24)
    #expect(narrow.line(23).contains("Lt/RtStep"))
  }

  @Test func timeKeysNeedNoTimelineButSpaceAndHomeDo() {
    var state = AppState()
    #expect(KeyMap.action(for: .left, in: state) == .stepFrame(-1))
    #expect(KeyMap.action(for: .character("d"), in: state) == .jumpToFormed)
    #expect(KeyMap.action(for: .character(" "), in: state) == .togglePause)
    #expect(KeyMap.action(for: .home, in: state) == .top)
    state.timelineActive = true
    #expect(KeyMap.action(for: .character(" "), in: state) == .playTimeline)
    #expect(KeyMap.action(for: .home, in: state) == .timelineStart)
    #expect(KeyMap.action(for: .end, in: state) == .timelineEnd)
    state.picking = true
    #expect(KeyMap.action(for: .left, in: state) == nil, "the demo's menu has no time")
  }
}
