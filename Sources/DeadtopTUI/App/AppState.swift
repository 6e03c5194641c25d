import DeadtopCore

/// The views, in tab order; digits 1-6 pick them.
public enum ViewKind: Int, CaseIterable, Sendable {
  case tasks = 1
  case resources, deadlocks, lockOrder, schedtrace, events

  public var title: String {
    switch self {
    case .tasks: "Tasks"
    case .resources: "Resources"
    case .deadlocks: "Deadlocks"
    case .lockOrder: "Lock order"
    case .schedtrace: "Schedtrace"
    case .events: "Events"
    }
  }

  /// For terminals narrower than 100 columns.
  public var shortTitle: String {
    switch self {
    case .lockOrder: "Order"
    case .schedtrace: "Sched"
    default: title
    }
  }
}

/// A key, as the backend decodes it.
public enum Key: Equatable, Sendable {
  case up, down, left, right, pageUp, pageDown, home, end, enter, escape, tab, backTab, backspace, resize
  case character(Character)
  case function(Int)
}

public enum SortColumn: String, CaseIterable, Sendable {
  case id, name, state, wait, holds
}

/// What the user is looking at; changed only by `update`, a pure function.
public struct AppState: Sendable, Equatable {
  public var view: ViewKind = .tasks
  public var selection: [ViewKind: Int] = [:]
  public var scroll: [ViewKind: Int] = [:]
  /// Details opened with Enter, the newest last; Esc closes one.
  public var details: [Subject] = []
  public var detailSelection = 0
  public var detailScroll = 0
  public var showingHelp = false
  /// The first help line shown: ↑ ↓ scroll the help, any other key closes it.
  public var helpScroll = 0
  public var filter = ""
  public var editingFilter = false
  public var sort: SortColumn = .id
  public var sortDescending = false
  public var paused = false
  public var themeIndex = 0
  public var message: String?
  /// The host's picker is showing (deadtop demo's list of scenarios).
  public var picking = false
  public var pickerSelection = 0
  /// A recording is replayed, or the live view shows a frame from its history: Home and
  /// End move in time, Space plays.
  public var timelineActive = false

  public init() {}

  public func selected(_ view: ViewKind) -> Int { selection[view] ?? 0 }
  public var detail: Subject? { details.last }
}

/// What a key asks for.
public enum Action: Equatable, Sendable {
  case move(Int)
  case page(Int)
  case top, bottom
  case openDetails, back
  case nextView, previousView
  case show(ViewKind)
  case startFilter
  case filterCharacter(Character)
  case filterBackspace, finishFilter, clearFilter
  case sortNext, sortPrevious, invertSort
  case togglePause, nextTheme, export, help, quit, redraw
  /// Enter in the host's picker.
  case choose
  /// A key the host added (HostCommand).
  case host(Character)
  /// The timeline (replay, or the live view's history): a frame, ten seconds, the ends,
  /// the moment a deadlock formed, play and its speed.
  case stepFrame(Int)
  case jumpTime(forward: Bool)
  case timelineStart, timelineEnd, jumpToFormed
  case playTimeline
  case changeSpeed(faster: Bool)
}

public enum KeyMap {
  /// `hostKeys`: the keys the host added; the built-in keys keep their meaning.
  /// Time keys: they step through a replay, or back into the live view's last minutes.
  private static func timelineAction(for key: Key, active: Bool) -> Action? {
    switch key {
    case .left: return .stepFrame(-1)
    case .right: return .stepFrame(1)
    case .character("["): return .jumpTime(forward: false)
    case .character("]"): return .jumpTime(forward: true)
    case .home where active: return .timelineStart
    case .end where active: return .timelineEnd
    case .character("d"): return .jumpToFormed
    case .character(" ") where active: return .playTimeline
    case .character("+"), .character("="): return .changeSpeed(faster: true)
    case .character("-"): return .changeSpeed(faster: false)
    default: return nil
    }
  }

  public static func action(for key: Key, in state: AppState, hostKeys: Set<Character> = []) -> Action? {
    if state.editingFilter {
      switch key {
      case .escape: return .clearFilter
      case .enter: return .finishFilter
      case .backspace: return .filterBackspace
      case .character(let character) where character >= " ": return .filterCharacter(character)
      case .up: return .move(-1)
      case .down: return .move(1)
      case .resize: return .redraw
      default: return nil
      }
    }
    if state.showingHelp {
      switch key {
      case .resize: return .redraw
      case .up, .character("k"): return .move(-1)
      case .down, .character("j"): return .move(1)
      case .pageUp: return .page(-1)
      case .pageDown: return .page(1)
      default: return .help  // any other key closes help, as it says
      }
    }
    if !state.picking, let action = timelineAction(for: key, active: state.timelineActive) { return action }
    switch key {
    case .up, .character("k"): return .move(-1)
    case .down, .character("j"): return .move(1)
    case .pageUp: return .page(-1)
    case .pageDown: return .page(1)
    case .home, .character("g"): return .top
    case .end, .character("G"): return .bottom
    case .enter: return state.picking ? .choose : .openDetails
    case .escape: return .back
    case .tab: return .nextView
    case .backTab: return .previousView
    case .character("/"): return .startFilter
    case .character(">"), .character("."): return .sortNext
    case .character("<"), .character(","): return .sortPrevious
    case .character("i"), .character("I"): return .invertSort
    case .character(" "): return .togglePause
    case .character("t"): return .nextTheme
    case .character("e"): return .export
    case .character("?"), .function(1): return .help
    case .character("q"), .function(10): return .quit
    case .character(let digit) where digit.isNumber:
      return digit.wholeNumberValue.flatMap(ViewKind.init(rawValue:)).map(Action.show)
    case .character(let character) where hostKeys.contains(character): return .host(character)
    case .resize: return .redraw
    default: return nil
    }
  }

  /// Every built-in key, for the help screen and the README.
  public static let help: [(keys: String, meaning: String)] = [
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move a page"),
    ("g G  Home End", "first / last row"),
    ("Enter", "details of the selected row; in details, open what a line names"),
    ("Esc", "back: close a detail, clear the filter"),
    ("Tab  Shift-Tab", "next / previous view"),
    ("1 … 6", "Tasks, Resources, Deadlocks, Lock order, Schedtrace, Events"),
    ("/", "filter rows: type to narrow, Enter keeps it, Esc clears it"),
    ("< >  i", "sort by the previous / next column; invert the sort"),
    ("Space", "pause: freeze the snapshot while the process runs on; in a replay or history, play / pause"),
    ("← →", "back / forward one frame in time (the live view keeps its last minutes)"),
    ("[ ]", "back / forward ten seconds"),
    ("Home End", "in a replay or history: the first / last frame (End in the live view: back to live)"),
    ("d", "jump to the moment the first deadlock, hang or leak was confirmed"),
    ("+ -", "in a replay or history: play faster / slower"),
    ("t", "next theme"),
    ("e", "export the current snapshot as JSON and DOT files"),
    ("?  F1", "this help"),
    ("q  F10", "quit (Ctrl-C too)"),
  ]
}

/// How the rows of what is showing are scrolled, from the last frame drawn: `update`
/// keeps the selection inside them.
public struct Navigation: Sendable, Equatable {
  public var rowCount: Int
  public var pageSize: Int

  public init(rowCount: Int, pageSize: Int) {
    self.rowCount = rowCount
    self.pageSize = pageSize
  }
}

/// Applies an action. `navigation` comes from the frame on screen, so the selection
/// stays in range and the page follows it.
public func update(_ state: AppState, _ action: Action, navigation: Navigation, themeCount: Int) -> AppState {
  var next = state
  next.message = nil
  let rowCount = navigation.rowCount
  let page = max(1, navigation.pageSize)
  func select(_ index: Int) {
    let index = max(0, min(rowCount - 1, index))
    if next.showingHelp {
      next.helpScroll = index
    } else if next.picking {
      next.pickerSelection = index
    } else if next.detail != nil {
      next.detailSelection = index
      next.detailScroll = follow(index, scroll: next.detailScroll, page: page)
    } else {
      next.selection[next.view] = index
      next.scroll[next.view] = follow(index, scroll: next.scroll[next.view] ?? 0, page: page)
    }
  }
  let current =
    state.showingHelp
    ? state.helpScroll
    : state.picking
      ? state.pickerSelection : state.detail != nil ? state.detailSelection : state.selected(state.view)
  switch action {
  case .move(let delta): select(current + delta)
  case .page(let direction): select(current + direction * max(1, page - 1))
  case .top: select(0)
  case .bottom: select(rowCount - 1)
  case .back:
    if next.showingHelp {
      next.showingHelp = false
    } else if !next.details.isEmpty {
      next.details.removeLast()
      next.detailSelection = 0
      next.detailScroll = 0
    } else if !next.filter.isEmpty {
      next.filter = ""
    }
  case .nextView, .previousView:
    let step = action == .nextView ? 1 : -1
    let all = ViewKind.allCases
    let index = (all.firstIndex(of: state.view)! + step + all.count) % all.count
    next.view = all[index]
    next.details = []
  case .show(let view):
    next.view = view
    next.details = []
  case .startFilter:
    next.editingFilter = true
  case .filterCharacter(let character):
    next.filter.append(character)
    next.selection[next.view] = 0
    next.scroll[next.view] = 0
  case .filterBackspace:
    if !next.filter.isEmpty { next.filter.removeLast() }
  case .finishFilter:
    next.editingFilter = false
  case .clearFilter:
    next.editingFilter = false
    next.filter = ""
  case .sortNext, .sortPrevious:
    let all = SortColumn.allCases
    let step = action == .sortNext ? 1 : -1
    next.sort = all[(all.firstIndex(of: state.sort)! + step + all.count) % all.count]
    next.message = "sorted by \(next.sort.rawValue)"
  case .invertSort:
    next.sortDescending.toggle()
    next.message = "sorted by \(next.sort.rawValue), " + (next.sortDescending ? "descending" : "ascending")
  case .togglePause:
    next.paused.toggle()
  case .nextTheme:
    next.themeIndex = themeCount > 0 ? (state.themeIndex + 1) % themeCount : 0
  case .help:
    next.showingHelp.toggle()
    next.helpScroll = 0
  case .openDetails, .export, .quit, .redraw, .choose, .host, .stepFrame, .jumpTime, .timelineStart,
    .timelineEnd,
    .jumpToFormed, .playTimeline, .changeSpeed:
    break  // the session carries these out: they need the frame, the files or the host
  }
  return next
}

/// The first row shown so that `selected` is on a page of `page` rows, moving the page
/// only when the selection leaves it.
func follow(_ selected: Int, scroll: Int, page: Int) -> Int {
  if selected < scroll { return selected }
  if selected >= scroll + page { return selected - page + 1 }
  return scroll
}

extension AppState {
  /// Opens `subject` on top of the details already open.
  public func opening(_ subject: Subject) -> AppState {
    var next = self
    next.details.append(subject)
    next.detailSelection = 0
    next.detailScroll = 0
    return next
  }
}
