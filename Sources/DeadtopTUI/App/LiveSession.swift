import DeadtopCore
import DeadtopRecording
import DeadtopReports

#if canImport(Glibc)
  import Glibc
#endif

public struct LiveOptions {
  public var refreshMilliseconds: Int
  public var longWaitSeconds: Double
  public var themes: [Theme]
  public var themeIndex: Int
  public var useColor: Bool
  public var glyphs: Glyphs
  /// Said once in the message line when the view starts (a theme file that failed, …).
  public var startupMessage: String?
  /// `--record FILE`: every snapshot also goes to this file, up to its cap.
  public var recordPath: String?
  public var recordMaxBytes = RecordingLimits.defaultFileBytes
  /// Where the flight recorder saves the last minutes when a deadlock is first
  /// confirmed; nil: it keeps them for stepping back only.
  public var flightRecorderDirectory: String? = "."
  public var window = Recorder.Window()
  /// What is watched, in the user's words, for the recording's meta frame.
  public var command = "deadtop"

  public init(
    refreshMilliseconds: Int, longWaitSeconds: Double, themes: [Theme], themeIndex: Int, useColor: Bool,
    glyphs: Glyphs, startupMessage: String? = nil
  ) {
    self.refreshMilliseconds = refreshMilliseconds
    self.longWaitSeconds = longWaitSeconds
    self.themes = themes
    self.themeIndex = themeIndex
    self.useColor = useColor
    self.glyphs = glyphs
    self.startupMessage = startupMessage
  }
}

/// The live view's loop: the only place that joins the pure parts (state, views) to the
/// terminal, the target and the host.
public final class LiveSession {
  private let options: LiveOptions
  private let host: LiveHost?
  private var target: SnapshotSource?
  private var title: String?
  private var state = AppState()
  private var confirmation = DeadlockConfirmation()
  private var analysis: Analysis?
  private var exitedNote: String?
  private var lastRefresh: Double = 0
  /// Nil in a replay: nothing new is recorded.
  private var recorder: Recorder?
  private var timeline: Timeline
  /// The flight recording is saved once per process watched.
  private var flightSaved = false

  /// Checks that the terminal can show the live view; throws a reason if not.
  public static func checkTerminal() throws { try Terminal.checkAvailable() }

  /// Without a target, the host's picker shows first. `title` names what `target` runs.
  public init(target: SnapshotSource?, host: LiveHost? = nil, options: LiveOptions, title: String? = nil) {
    self.target = target
    self.title = title
    self.host = host
    self.options = options
    state.themeIndex = options.themeIndex
    state.message = options.startupMessage
    state.picking = target == nil && host?.picker != nil
    let recorder = Self.makeRecorder(options)
    self.recorder = recorder
    timeline = Timeline(live: recorder.recent)
    startRecordingFile()
  }

  /// Replays a recording: the views on the frame at the timeline's cursor.
  public init(replaying recording: Recording, options: LiveOptions, title: String) {
    self.title = title
    self.host = nil
    self.options = options
    state.themeIndex = options.themeIndex
    state.message = options.startupMessage ?? recording.damage.map { "\($0): replaying the frames before it" }
    timeline = Timeline(replaying: recording)
  }

  /// Moves a replay's cursor before the view starts (`--at`).
  public func start(atFrame index: Int) { timeline.move(to: index) }

  private static func makeRecorder(_ options: LiveOptions) -> Recorder {
    Recorder(
      meta: RecordingMeta(
        wallClockNanoseconds: UInt64(realtimeSeconds() * 1e9),
        monotonicNanoseconds: UInt64(monotonicSeconds() * 1e9),
        intervalMilliseconds: options.refreshMilliseconds, command: options.command),
      window: options.window)
  }

  private func startRecordingFile() {
    guard let path = options.recordPath, let recorder else { return }
    do {
      try recorder.record(to: path, maxBytes: options.recordMaxBytes)
    } catch {
      state.message = "not recording: \(error)"
    }
  }

  /// Runs until the user quits, Ctrl-C or SIGTERM; the terminal is restored on every path.
  public func run() throws {
    let terminal = try Terminal(theme: currentTheme, useColor: options.useColor)
    installStopHandlers()
    defer {
      recorder?.finish()
      terminal.stop()
      signal(SIGINT, SIG_DFL)
      signal(SIGTERM, SIG_DFL)
      signal(SIGHUP, SIG_DFL)
    }
    refresh(force: true)
    let hostKeys = Set(host?.commands.map(\.key) ?? []).union(host?.picker?.commands.map(\.key) ?? [])
    // Draw only when something changed: a new snapshot, a key, a resize. The keys act on
    // the frame on screen (its rows, its Enter target): one content per frame.
    var drawn = Renderer.draw(state, currentFrame, width: 0, height: 0)
    var drawnSize = (width: -1, height: -1)
    var needsDrawing = true
    while !stopRequested.load(ordering: .relaxed) {
      let size = terminal.size
      if refresh(force: false) || needsDrawing || size != drawnSize {
        drawn = Renderer.draw(state, currentFrame, width: size.width, height: size.height)
        terminal.draw(drawn.screen)
        drawnSize = size
        needsDrawing = false
      }
      guard let key = terminal.key(waitingUpTo: 50) else { continue }
      needsDrawing = true
      state.timelineActive = timeline.isActive
      guard let action = KeyMap.action(for: key, in: state, hostKeys: hostKeys) else { continue }
      if action == .quit { break }
      perform(action, on: drawn, terminal)
    }
  }

  private var currentTheme: Theme {
    options.themes.isEmpty ? .builtInDefault : options.themes[state.themeIndex % options.themes.count]
  }

  private var currentFrame: Frame {
    var shown = analysis
    if timeline.isActive {
      do {
        shown = try timeline.analysis()
      } catch {
        state.message = "cannot show this frame: \(error)"
      }
    }
    return Frame(
      analysis: shown, refreshMilliseconds: options.refreshMilliseconds, exitedNote: exitedNote,
      title: title, picker: host?.picker, commands: host?.commands ?? [],
      longWaitSeconds: options.longWaitSeconds,
      glyphs: options.glyphs, timeline: timeline.status(formedIndex: formedIndexIfKnown),
      hasHistory: (recorder?.recent.count ?? 0) > 1)
  }

  /// Each snapshot taken goes to the recorder on its way to the analysis.
  private func record(_ snapshot: Snapshot) -> Snapshot {
    recorder?.append(snapshot)
    if let stopped = recorder?.fileStopped, !recordingStopSaid {
      recordingStopSaid = true
      state.message = stopped
    }
    return snapshot
  }
  private var recordingStopSaid = false

  /// The flight recorder's promise: the minutes before the first confirmed finding,
  /// saved once, and where they went said.
  private func saveFlightRecordingIfFirst(_ latest: Analysis) {
    guard !flightSaved, latest.hasFinding, let recorder, let target else { return }
    flightSaved = true
    let what = latest.deadlocks.isEmpty ? (latest.starvedPools.isEmpty ? "leak" : "hang") : "deadlock"
    if let path = recorder.filePath, recorder.fileStopped == nil {
      state.message = "\(what) confirmed: \(path) holds the minutes before it (deadtop replay \(path))"
      return
    }
    guard let directory = options.flightRecorderDirectory else { return }
    let span = formatDuration(
      Double(recorder.recent.time(at: recorder.recent.count - 1) &- recorder.recent.time(at: 0)) / 1e9)
    let name = "deadtop-\(target.pid)-\(Int(realtimeSeconds())).\(RecordingFormat.fileExtension)"
    let path = directory == "." ? name : directory + "/" + name
    do {
      try recorder.saveWindow(to: path)
      state.message = "\(what) confirmed: the last \(span) saved to \(path) (deadtop replay \(path))"
    } catch {
      state.message = "\(what) confirmed; the flight recording was not saved: \(error)"
    }
  }

  /// Known without decoding the whole timeline again on every frame.
  private var formedIndexIfKnown: Int? { timeline.knownFormedIndex }

  /// Takes a snapshot when the interval has passed; the confirmation policy decides
  /// which findings show. Returns whether it took one.
  @discardableResult
  private func refresh(force: Bool) -> Bool {
    if timeline.advance(now: monotonicSeconds()) { return true }
    guard let target, exitedNote == nil, !state.paused || analysis == nil else { return false }
    let now = monotonicSeconds()
    guard force || now - lastRefresh >= Double(options.refreshMilliseconds) / 1000 else { return false }
    lastRefresh = now
    do {
      // The first refresh reads twice, so that a deadlock present at attach shows at once.
      if confirmation.previous == nil { _ = confirmation.analyse(record(try target.snapshot())) }
      let latest = confirmation.analyse(record(try target.snapshot())).analysis
      analysis = latest
      if let recorder { timeline.update(recorder.recent) }
      saveFlightRecordingIfFirst(latest)
    } catch {
      // Say what happened: the process ended, or it runs on but cannot be read any more.
      let running = kill(target.pid, 0) == 0 || errno == EPERM
      exitedNote =
        running
        ? "stopped reading process \(target.pid), showing its last snapshot: \(error)"
        : "process \(target.pid) has exited: showing its last snapshot (\(error))"
      if analysis == nil, let previous = confirmation.previous { analysis = Analysis(previous) }
      state.message = nil  // the message line says this now, over an older message
    }
    return true
  }

  /// `drawn` is the frame on screen when the key came: its rows and Enter's target.
  private func perform(_ action: Action, on drawn: RenderedFrame, _ terminal: Terminal) {
    switch action {
    case .openDetails:
      if let target = drawn.target { state = state.opening(target) }
    case .export:
      state.message = export()
    case .nextTheme:
      state = update(state, action, navigation: drawn.navigation, themeCount: options.themes.count)
      terminal.apply(currentTheme)
      state.message = "theme: \(currentTheme.name)"
    case .choose:
      if let host { apply(host.choose(state.pickerSelection, key: nil)) }
    case .host(let key):
      guard let host else { return }
      apply(state.picking ? host.choose(state.pickerSelection, key: key) : host.perform(key))
    case .back where state.picking && !state.showingHelp:
      return
    case .stepFrame(let frames):
      state.message = nil
      timeline.step(frames)
    case .jumpTime(let forward):
      state.message = nil
      timeline.jump(forward: forward)
    case .timelineStart:
      timeline.moveToStart()
    case .timelineEnd:
      timeline.moveToEnd()
    case .playTimeline:
      timeline.togglePlaying(now: monotonicSeconds())
    case .changeSpeed(let faster):
      timeline.changeSpeed(faster: faster, now: monotonicSeconds())
      state.message = "speed \(TimelineStatus.speedText(timeline.speed))"
    case .jumpToFormed:
      jumpToFormed()
    default:
      state = update(state, action, navigation: drawn.navigation, themeCount: options.themes.count)
    }
  }

  private func jumpToFormed() {
    do {
      if let index = try timeline.formedIndex() {
        timeline.move(to: index)
        state.message = "the first finding was confirmed here"
      } else {
        state.message = "no deadlock, hang or leak was confirmed in these \(timeline.recording.count) frames"
      }
    } catch {
      state.message = "cannot search the timeline: \(error)"
    }
  }

  private func apply(_ outcome: HostOutcome) {
    switch outcome {
    case .attach(let source, let title):
      target = source
      self.title = title
      // A fresh view for the new process, in the theme the user chose.
      let themeIndex = state.themeIndex
      state = AppState()
      state.themeIndex = themeIndex
      confirmation = DeadlockConfirmation()
      analysis = nil
      exitedNote = nil
      if let recorder {
        recorder.startOver()
        timeline = Timeline(live: recorder.recent)
      }
      flightSaved = false
      refresh(force: true)
    case .pick:
      target = nil
      title = nil
      analysis = nil
      exitedNote = nil
      state.picking = true
      state.details = []
    case .message(let text):
      state.message = text
    }
  }

  /// Writes the current snapshot as JSON and DOT next to the user; returns the message.
  private func export() -> String {
    guard let analysis else { return "nothing to export yet" }
    let stamp = Int(realtimeSeconds())
    let base = "deadtop-\(analysis.snapshot.process.pid)-\(stamp)"
    do {
      try write(JSONReport.render(analysis), to: base + ".json")
      try write(DOTReport.render(analysis), to: base + ".dot")
      return "exported \(base).json and \(base).dot"
    } catch {
      return "export failed: \(error)"
    }
  }

  private func write(_ text: String, to path: String) throws {
    guard let file = fopen(path, "w") else {
      throw ThemeLoadError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
      throw ThemeLoadError(message: "cannot write \(path)")
    }
  }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

public func realtimeSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
