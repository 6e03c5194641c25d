import DeadtopCore
import DeadtopRecording

/// Where the view is in time: the frames of a recording being replayed, or the live
/// view's last minutes when the user steps back into them. Every view draws the frame at
/// the cursor, confirmed by the frame before it, as the live view confirmed it then.
public struct Timeline {
  public enum Mode: Sendable { case replay, live }
  public let mode: Mode
  public private(set) var recording: Recording
  /// The moment shown (process clock); nil follows the newest frame (live only).
  public private(set) var cursorTime: UInt64?
  public private(set) var playing = false
  public private(set) var speed = 1.0
  /// Where play was at `playStarted` (recording time, real time), to keep the pace.
  private var playAnchor: (recordingTime: UInt64, realTime: Double)?
  private var decoded: (index: Int, snapshot: Snapshot)?
  private var analysed: (index: Int, analysis: Analysis)?
  /// The first frame with a confirmed finding, found for the first `frames` frames.
  private var formed: (frames: Int, index: Int?)?

  public static let speeds: [Double] = [0.25, 0.5, 1, 2, 4, 8, 16]
  static let jumpSeconds: UInt64 = 10

  public init(replaying recording: Recording) {
    mode = .replay
    self.recording = recording
    cursorTime = recording.isEmpty ? nil : recording.time(at: 0)
  }

  public init(live recording: Recording) {
    mode = .live
    self.recording = recording
  }

  /// The live view recorded another frame.
  mutating func update(_ recording: Recording) {
    self.recording = recording
    decoded = nil  // its positions may have moved as the window let old frames go
    analysed = nil
    formed = nil
  }

  /// Whether the view shows a frame from the timeline rather than the newest.
  public var isActive: Bool { cursorTime != nil && !recording.isEmpty }

  public var index: Int {
    guard let cursorTime, !recording.isEmpty else { return max(0, recording.count - 1) }
    return recording.index(at: cursorTime)
  }

  /// The frame at the cursor, analysed and confirmed by the one before it.
  mutating func analysis() throws -> Analysis? {
    guard isActive else { return nil }
    let index = self.index
    if let analysed, analysed.index == index { return analysed.analysis }
    var confirmation = DeadlockConfirmation()
    if index > 0 { _ = confirmation.analyse(try snapshot(at: index - 1)) }
    let analysis = confirmation.analyse(try snapshot(at: index)).analysis
    analysed = (index, analysis)
    return analysis
  }

  private mutating func snapshot(at index: Int) throws -> Snapshot {
    if let decoded, decoded.index == index { return decoded.snapshot }
    let snapshot = try recording.snapshot(at: index, near: decoded)
    decoded = (index, snapshot)
    return snapshot
  }

  /// Moves to frame `index`; past the newest, the live view follows the process again.
  mutating func move(to index: Int) {
    guard !recording.isEmpty else { return }
    if mode == .live && index >= recording.count {
      cursorTime = nil
      playing = false
      return
    }
    cursorTime = recording.time(at: max(0, min(recording.count - 1, index)))
    if playing { playAnchor = nil }
  }

  mutating func step(_ frames: Int) {
    if cursorTime == nil {
      // Stepping back from the live edge starts at the frame before the newest.
      guard frames < 0 else { return }
      move(to: recording.count - 1 + frames)
    } else {
      move(to: index + frames)
    }
  }

  /// Ten seconds of recording time back or forward.
  mutating func jump(forward: Bool) {
    guard !recording.isEmpty else { return }
    let now = cursorTime ?? recording.time(at: recording.count - 1)
    let span = Self.jumpSeconds * 1_000_000_000
    if forward {
      let target = now &+ span
      move(
        to: target > recording.time(at: recording.count - 1) ? recording.count : recording.index(at: target))
    } else {
      move(to: recording.index(at: now > span ? now - span : 0))
    }
  }

  mutating func moveToStart() { move(to: 0) }
  mutating func moveToEnd() { move(to: mode == .live ? recording.count : recording.count - 1) }

  /// The first frame where a deadlock, a hang or a leak was confirmed, if any.
  mutating func formedIndex() throws -> Int? {
    if let formed, formed.frames == recording.count { return formed.index }
    let found = try recording.firstFindingIndex()
    formed = (recording.count, found)
    return found
  }

  /// `formedIndex()`'s answer, when it was found for these frames.
  var knownFormedIndex: Int? {
    guard let formed, formed.frames == recording.count else { return nil }
    return formed.index
  }

  mutating func togglePlaying(now: Double) {
    guard !recording.isEmpty else { return }
    if cursorTime == nil { return }
    // Play from the start again when at the end.
    if !playing && index == recording.count - 1 && mode == .replay { moveToStart() }
    playing.toggle()
    playAnchor = playing ? (cursorTime ?? 0, now) : nil
  }

  mutating func changeSpeed(faster: Bool, now: Double) {
    let position = Self.speeds.firstIndex(of: speed) ?? 2
    speed = Self.speeds[max(0, min(Self.speeds.count - 1, position + (faster ? 1 : -1)))]
    if playing { playAnchor = (cursorTime ?? 0, now) }
  }

  /// Moves with play's pace; returns whether the frame shown changed.
  mutating func advance(now: Double) -> Bool {
    guard playing, let start = cursorTime else { return false }
    guard let anchor = playAnchor else {
      playAnchor = (start, now)
      return false
    }
    let target = anchor.recordingTime &+ UInt64(max(0, (now - anchor.realTime) * speed * 1e9))
    let before = index
    let last = recording.count - 1
    if target >= recording.time(at: last) {
      move(to: mode == .live ? recording.count : last)
      playing = false
      return true
    }
    cursorTime = target
    return index != before
  }

  /// What the header says about it.
  func status(formedIndex: Int?) -> TimelineStatus? {
    guard isActive || mode == .replay, !recording.isEmpty else { return nil }
    let first = recording.time(at: 0)
    let index = self.index
    let time = recording.time(at: index)
    return TimelineStatus(
      replay: mode == .replay, index: index, count: recording.count,
      offsetSeconds: Double(time &- first) / 1e9,
      spanSeconds: Double(recording.time(at: recording.count - 1) &- first) / 1e9,
      wallClockNanoseconds: recording.meta.wallClockNanoseconds(at: time), playing: playing, speed: speed,
      formedOffsetSeconds: formedIndex.map { Double(recording.time(at: $0) &- first) / 1e9 })
  }
}

/// The timeline as the header and key bar show it.
public struct TimelineStatus: Sendable, Equatable {
  public var replay: Bool
  public var index: Int
  public var count: Int
  public var offsetSeconds: Double
  public var spanSeconds: Double
  public var wallClockNanoseconds: UInt64
  public var playing: Bool
  public var speed: Double
  /// When the first finding was confirmed, if it was, and known.
  public var formedOffsetSeconds: Double?

  public init(
    replay: Bool, index: Int, count: Int, offsetSeconds: Double, spanSeconds: Double,
    wallClockNanoseconds: UInt64,
    playing: Bool, speed: Double, formedOffsetSeconds: Double?
  ) {
    self.replay = replay
    self.index = index
    self.count = count
    self.offsetSeconds = offsetSeconds
    self.spanSeconds = spanSeconds
    self.wallClockNanoseconds = wallClockNanoseconds
    self.playing = playing
    self.speed = speed
    self.formedOffsetSeconds = formedOffsetSeconds
  }

  /// `REPLAY ▶ 2x  14:03:22  +12.5s of 5m00s  frame 25/600`.
  public func text(glyphs: Glyphs) -> String {
    let mode = replay ? "REPLAY" : "HISTORY"
    let play = playing ? "\(glyphs.isASCII ? ">" : "▶") \(Self.speedText(speed))" : "paused"
    return
      "\(mode) \(play)  \(Self.clock(wallClockNanoseconds)) UTC  +\(formatDuration(offsetSeconds)) of "
      + "\(formatDuration(spanSeconds))  frame \(index + 1)/\(count)"
  }

  public static func speedText(_ speed: Double) -> String {
    speed >= 1 ? "\(Int(speed))x" : "\(speed)x"
  }

  /// `14:03:22` in UTC, as the process's logs on a server usually are.
  public static func clock(_ nanoseconds: UInt64) -> String {
    let seconds = Int(nanoseconds / 1_000_000_000) % 86_400
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
  }
}
