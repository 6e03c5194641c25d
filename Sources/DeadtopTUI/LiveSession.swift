import DeadtopCore
import DeadtopReports

#if canImport(Glibc)
  import Glibc
#endif

/// `deadtop demo`: the menu, and starting and stopping scenarios.
public struct DemoHooks {
  public var menu: [Frame.MenuEntry]
  public var launch: (_ name: String, _ fixed: Bool) throws -> SnapshotSource
  public var stop: () -> Void

  public init(
    menu: [Frame.MenuEntry], launch: @escaping (String, Bool) throws -> SnapshotSource,
    stop: @escaping () -> Void
  ) {
    self.menu = menu
    self.launch = launch
    self.stop = stop
  }
}

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

/// The live view's loop: the only place that joins the pure parts (state, renderer)
/// to the terminal and the target.
public final class LiveSession {
  private let options: LiveOptions
  private let demo: DemoHooks?
  private var target: SnapshotSource?
  private var demoTitle: String?
  private var lastScenario: String?
  private var state = AppState()
  private var confirmation = DeadlockConfirmation()
  private var analysis: Analysis?
  private var exitedNote: String?
  private var lastRefresh: Double = 0

  /// Checks that the terminal can show the live view; throws a reason if not.
  public static func checkTerminal() throws { try Terminal.checkAvailable() }

  /// `demoTitle` names the scenario `target` runs, when a demo starts straight into one.
  public init(target: SnapshotSource?, demo: DemoHooks?, options: LiveOptions, demoTitle: String? = nil) {
    self.target = target
    self.demoTitle = demoTitle
    lastScenario = demoTitle.map { String($0.prefix { $0 != " " }) }
    self.demo = demo
    self.options = options
    state.themeIndex = options.themeIndex
    state.message = options.startupMessage
    state.inMenu = target == nil && demo != nil
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
    // Draw only when something changed: a new snapshot, a key, a resize.
    var needsDrawing = true
    while !stopRequested.load(ordering: .relaxed) {
      if refresh(force: false) { needsDrawing = true }
      let size = terminal.size
      let frame = currentFrame
      if needsDrawing {
        terminal.draw(Renderer.render(state, frame, width: size.width, height: size.height))
        needsDrawing = false
      }
      guard let key = terminal.key(waitingUpTo: 50) else { continue }
      needsDrawing = true
      guard let action = KeyMap.action(for: key, in: state) else { continue }
      if action == .quit { break }
      perform(action, frame: frame, size: size, terminal: terminal)
    }
  }

  private var currentTheme: Theme {
    options.themes.isEmpty ? .builtInDefault : options.themes[state.themeIndex % options.themes.count]
  }

  private var currentFrame: Frame {
    Frame(
      analysis: analysis, refreshMilliseconds: options.refreshMilliseconds, exitedNote: exitedNote,
      demoTitle: demoTitle, menu: demo?.menu ?? [], longWaitSeconds: options.longWaitSeconds,
      glyphs: options.glyphs)
  }

  /// Takes a snapshot when the interval has passed. A deadlock is shown only once two
  /// consecutive snapshots agree on it.
  /// Returns whether it took one.
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
      exitedNote = "process \(target.pid) has exited: showing its last snapshot. \(error)"
      if analysis == nil, let previous = confirmation.previous { analysis = Analysis(previous) }
    }
    return true
  }

  private func perform(_ action: Action, frame: Frame, size: (width: Int, height: Int), terminal: Terminal) {
    switch action {
    case .openDetails:
      if let detail = Renderer.detailTarget(state, frame) {
        state.detail = detail
        state.detailScroll = 0
        return
      }
    case .export:
      state.message = export()
      return
    case .nextTheme:
      state = update(state, action, rowCount: 0, pageSize: 0, themeCount: options.themes.count)
      terminal.apply(currentTheme)
      state.message = "theme: \(currentTheme.name)"
      return
    case .menuChoose:
      if let demo, demo.menu.indices.contains(state.menuSelection) {
        start(demo.menu[state.menuSelection].name, fixed: false)
      }
      return
    case .demoFixed, .demoRestart:
      guard demo != nil else { break }
      let name = state.inMenu ? demo!.menu[state.menuSelection].name : lastScenario
      if let name { start(name, fixed: action == .demoFixed) }
      return
    case .demoMenu:
      guard let demo else { break }
      demo.stop()
      target = nil
      demoTitle = nil
      analysis = nil
      state.inMenu = true
      return
    case .back where state.inMenu:
      return
    default:
      break
    }
    state = update(
      state, action, rowCount: Renderer.rowCount(state, frame, width: size.width),
      pageSize: Renderer.pageSize(height: size.height),
      themeCount: options.themes.count)
  }

  private func start(_ name: String, fixed: Bool) {
    guard let demo else { return }
    demo.stop()
    do {
      target = try demo.launch(name, fixed)
      demoTitle = name + (fixed ? " (fixed)" : "")
      lastScenario = name
      // A fresh view for the new scenario, in the theme the user chose.
      let themeIndex = state.themeIndex
      state = AppState()
      state.themeIndex = themeIndex
      confirmation = DeadlockConfirmation()
      analysis = nil
      exitedNote = nil
      refresh(force: true)
    } catch {
      state.message = "cannot start \(name): \(error)"
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
