import DeadtopCore

/// Everything a frame shows besides the user's state: the latest analysis and the facts
/// about the session and its host.
public struct Frame: Sendable {
  public var analysis: Analysis?
  public var refreshMilliseconds: Int
  /// Set when the process has exited: the view keeps the last snapshot and says so.
  public var exitedNote: String?
  /// The host's words for what runs, in the header: `demo: abba (fixed)`.
  public var title: String?
  /// The host's list, shown while `AppState.picking`.
  public var picker: Picker?
  /// The host's keys in the live view.
  public var commands: [HostCommand]
  public var longWaitSeconds: Double
  public var glyphs: Glyphs
  /// Set in a replay, and while the live view shows a frame from its history.
  public var timeline: TimelineStatus?
  /// The live view has frames to step back into (its flight recorder's window).
  public var hasHistory: Bool

  public init(
    analysis: Analysis?, refreshMilliseconds: Int = 500, exitedNote: String? = nil, title: String? = nil,
    picker: Picker? = nil, commands: [HostCommand] = [], longWaitSeconds: Double = 5,
    glyphs: Glyphs = .unicode, timeline: TimelineStatus? = nil, hasHistory: Bool = false
  ) {
    self.timeline = timeline
    self.hasHistory = hasHistory
    self.analysis = analysis
    self.refreshMilliseconds = refreshMilliseconds
    self.exitedNote = exitedNote
    self.title = title
    self.picker = picker
    self.commands = commands
    self.longWaitSeconds = longWaitSeconds
    self.glyphs = glyphs
  }
}

/// A drawn frame and what the keys need from it: the rows of what is showing, the page
/// and what Enter opens. Each view's content is computed once per frame.
public struct RenderedFrame: Sendable {
  public var screen: Screen
  public var navigation: Navigation
  /// What Enter opens on the selected row.
  public var target: Subject?
}

/// Renders a state and a frame into a screen. Pure: the same inputs give the same cells.
public enum Renderer {
  public static let minimumWidth = 40
  public static let minimumHeight = 10

  public static func render(_ state: AppState, _ frame: Frame, width: Int, height: Int) -> Screen {
    draw(state, frame, width: width, height: height).screen
  }

  public static func draw(_ state: AppState, _ frame: Frame, width: Int, height: Int) -> RenderedFrame {
    var screen = Screen(width: width, height: height)
    guard width >= minimumWidth, height >= minimumHeight else {
      let lines = [
        "Terminal too small: \(width)x\(height)", "deadtop needs \(minimumWidth)x\(minimumHeight)", "q quits",
      ]
      for (index, line) in lines.enumerated() where index < height {
        screen.put(line, column: 0, row: index, role: index == 0 ? .warning : .normal)
      }
      return RenderedFrame(screen: screen, navigation: Navigation(rowCount: 0, pageSize: 1), target: nil)
    }
    var navigation = Navigation(rowCount: 0, pageSize: 1)
    var target: Subject?
    if state.picking, let picker = frame.picker, !state.showingHelp {
      let bare = ScreenLayout.bare(width: width, height: height)
      PickerView.draw(
        picker, in: bare.body, on: &screen, selection: state.pickerSelection, glyphs: frame.glyphs)
      navigation = Navigation(rowCount: picker.entries.count, pageSize: PickerView.pageSize(height: height))
      KeyBar.draw(message: bare.message, keys: bare.keys, on: &screen, state: state, frame: frame)
    } else {
      let layout = ScreenLayout(width: width, height: height)
      if let analysis = frame.analysis {
        Header.draw(layout, on: &screen, state: state, frame: frame, analysis: analysis)
        let context = ViewContext(analysis: analysis, state: state, frame: frame, width: layout.body.width)
        let placement: Body.Placement
        if state.showingHelp {
          placement = Body.draw(
            HelpView.content(frame, hostCommands: hostCommands(state, frame), width: layout.body.width),
            in: layout.body, on: &screen, state: state, selection: state.helpScroll, scroll: 0,
            glyphs: frame.glyphs)
        } else if let detail = state.detail {
          placement = Body.draw(
            DetailView.content(detail, context), in: layout.body, on: &screen, state: state,
            selection: state.detailSelection, scroll: state.detailScroll, glyphs: frame.glyphs)
        } else {
          placement = Body.draw(
            content(of: state.view, context), in: layout.body, on: &screen, state: state,
            selection: state.selected(state.view), scroll: state.scroll[state.view] ?? 0, glyphs: frame.glyphs
          )
        }
        navigation = Navigation(rowCount: placement.scrolling.selectable, pageSize: placement.scrolling.page)
        target = placement.target
      } else if state.showingHelp {
        let placement = Body.draw(
          HelpView.content(frame, hostCommands: hostCommands(state, frame), width: layout.body.width),
          in: layout.body, on: &screen, state: state, selection: state.helpScroll, scroll: 0,
          glyphs: frame.glyphs)
        navigation = Navigation(rowCount: placement.scrolling.selectable, pageSize: placement.scrolling.page)
      } else {
        screen.put("Waiting for the first snapshot…", column: 1, row: 1, role: .dim)
      }
      KeyBar.draw(message: layout.message, keys: layout.keys, on: &screen, state: state, frame: frame)
    }
    if frame.glyphs.isASCII { screen.replaceNonASCII(using: frame.glyphs) }
    return RenderedFrame(screen: screen, navigation: navigation, target: target)
  }

  /// The view's content for this frame.
  static func content(of view: ViewKind, _ context: ViewContext) -> ViewContent {
    switch view {
    case .tasks: TasksView.content(context)
    case .resources: ResourcesView.content(context)
    case .deadlocks: DeadlocksView.content(context)
    case .lockOrder: LockOrderView.content(context)
    case .schedtrace: SchedtraceView.content(context)
    case .events: EventsView.content(context)
    }
  }

  private static func hostCommands(_ state: AppState, _ frame: Frame) -> [HostCommand] {
    state.picking ? frame.picker?.commands ?? [] : frame.commands
  }
}
