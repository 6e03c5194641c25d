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
  case up, down, pageUp, pageDown, home, end, enter, escape, tab, backTab, backspace, resize
  case character(Character)
  case function(Int)
}

public enum SortColumn: String, CaseIterable, Sendable {
  case id, name, state, wait, holds
}

/// What the user is looking at; changed only by `update`, a pure function.
public struct AppState: Sendable, Equatable {
  public enum Detail: Sendable, Equatable {
    case task(TaskID)
    case resource(ResourceID)
  }

  public var view: ViewKind = .tasks
  public var selection: [ViewKind: Int] = [:]
  public var scroll: [ViewKind: Int] = [:]
  public var detail: Detail?
  public var detailScroll = 0
  public var showingHelp = false
  public var filter = ""
  public var editingFilter = false
  public var sort: SortColumn = .id
  public var sortDescending = false
  public var paused = false
  public var themeIndex = 0
  public var message: String?
  /// The demo menu is showing (deadtop demo without a running scenario).
  public var inMenu = false
  public var menuSelection = 0

  public init() {}

  public func selected(_ view: ViewKind) -> Int { selection[view] ?? 0 }
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
  /// Demo mode: back to the menu, run the scenario again, run its fixed variant.
  case demoMenu, demoRestart, demoFixed, menuChoose
}

public enum KeyMap {
  public static func action(for key: Key, in state: AppState) -> Action? {
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
      case .character("q"), .function(10): return .quit
      case .resize: return .redraw
      default: return .help  // any other key closes help
      }
    }
    switch key {
    case .up, .character("k"): return .move(-1)
    case .down, .character("j"): return .move(1)
    case .pageUp: return .page(-1)
    case .pageDown: return .page(1)
    case .home, .character("g"): return .top
    case .end, .character("G"): return .bottom
    case .enter: return state.inMenu ? .menuChoose : .openDetails
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
    case .character("m"): return .demoMenu
    case .character("r"): return .demoRestart
    case .character("f"): return .demoFixed
    case .character(let digit) where digit.isNumber:
      return digit.wholeNumberValue.flatMap(ViewKind.init(rawValue:)).map(Action.show)
    case .resize: return .redraw
    default: return nil
    }
  }

  /// Every key, for the help screen and the README.
  public static let help: [(keys: String, meaning: String)] = [
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move a page"),
    ("g G  Home End", "first / last row"),
    ("Enter", "details of the selected task or lock (in the demo menu: run it)"),
    ("Esc", "back: close details, clear the filter"),
    ("Tab  Shift-Tab", "next / previous view"),
    ("1 … 6", "Tasks, Resources, Deadlocks, Lock order, Schedtrace, Events"),
    ("/", "filter rows (tasks, locks, events): type to narrow, Enter keeps it, Esc clears it"),
    ("< >", "sort by the previous / next column"),
    ("i", "invert the sort"),
    ("Space", "pause: freeze the current snapshot while the process runs on"),
    ("t", "next theme"),
    ("e", "export the current snapshot as JSON and DOT files"),
    ("m  r  f", "demo: back to the menu, restart the scenario, run its fixed variant"),
    ("?  F1", "this help"),
    ("q  F10", "quit (Ctrl-C too)"),
  ]
}

/// Applies an action. `rowCount` is the number of selectable rows in the current view
/// and `pageSize` the rows on screen, so that the selection stays in range.
public func update(
  _ state: AppState, _ action: Action, rowCount: Int, pageSize: Int, themeCount: Int
) -> AppState {
  var next = state
  next.message = nil
  func setSelection(_ index: Int) {
    if next.inMenu {
      next.menuSelection = max(0, min(rowCount - 1, index))
    } else if next.detail != nil {
      next.detailScroll = max(0, index)
    } else {
      next.selection[next.view] = max(0, min(rowCount - 1, index))
    }
  }
  let current =
    state.inMenu ? state.menuSelection : state.detail != nil ? state.detailScroll : state.selected(state.view)
  switch action {
  case .move(let delta): setSelection(current + delta)
  case .page(let direction): setSelection(current + direction * max(1, pageSize - 1))
  case .top: setSelection(0)
  case .bottom: setSelection(rowCount - 1)
  case .openDetails: break  // resolved by the session, which knows the rows
  case .back:
    if next.showingHelp {
      next.showingHelp = false
    } else if next.detail != nil {
      next.detail = nil
    } else if !next.filter.isEmpty {
      next.filter = ""
    }
  case .nextView, .previousView:
    let step = action == .nextView ? 1 : -1
    let all = ViewKind.allCases
    let index = (all.firstIndex(of: state.view)! + step + all.count) % all.count
    next.view = all[index]
    next.detail = nil
  case .show(let view):
    next.view = view
    next.detail = nil
  case .startFilter:
    next.editingFilter = true
  case .filterCharacter(let character):
    next.filter.append(character)
    next.selection[next.view] = 0
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
  case .export, .quit, .redraw, .demoMenu, .demoRestart, .demoFixed, .menuChoose:
    break  // I/O: the session carries these out
  }
  return next
}
