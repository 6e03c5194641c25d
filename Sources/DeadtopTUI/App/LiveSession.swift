import DeadtopCore
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
  }

  /// Runs until the user quits, Ctrl-C or SIGTERM; the terminal is restored on every path.
  public func run() throws {
    let terminal = try Terminal(theme: currentTheme, useColor: options.useColor)
    installStopHandlers()
    defer {
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
      guard let action = KeyMap.action(for: key, in: state, hostKeys: hostKeys) else { continue }
      if action == .quit { break }
      perform(action, on: drawn, terminal)
    }
  }

  private var currentTheme: Theme {
    options.themes.isEmpty ? .builtInDefault : options.themes[state.themeIndex % options.themes.count]
  }

  private var currentFrame: Frame {
    Frame(
      analysis: analysis, refreshMilliseconds: options.refreshMilliseconds, exitedNote: exitedNote,
      title: title, picker: host?.picker, commands: host?.commands ?? [],
      longWaitSeconds: options.longWaitSeconds,
      glyphs: options.glyphs)
  }

  /// Takes a snapshot when the interval has passed; the confirmation policy decides
  /// which findings show. Returns whether it took one.
  @discardableResult
  private func refresh(force: Bool) -> Bool {
    guard let target, exitedNote == nil, !state.paused || analysis == nil else { return false }
    let now = monotonicSeconds()
    guard force || now - lastRefresh >= Double(options.refreshMilliseconds) / 1000 else { return false }
    lastRefresh = now
    do {
      // The first refresh reads twice, so that a deadlock present at attach shows at once.
      if confirmation.previous == nil { _ = confirmation.analyse(try target.snapshot()) }
      analysis = confirmation.analyse(try target.snapshot()).analysis
    } catch {
      // Say what happened: the process ended, or it runs on but cannot be read any more.
      let running = kill(target.pid, 0) == 0 || errno == EPERM
      exitedNote =
        running
        ? "stopped reading process \(target.pid), showing its last snapshot: \(error)"
        : "process \(target.pid) has exited: showing its last snapshot (\(error))"
      if analysis == nil, let previous = confirmation.previous { analysis = Analysis(previous) }
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
    default:
      state = update(state, action, navigation: drawn.navigation, themeCount: options.themes.count)
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

func realtimeSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
