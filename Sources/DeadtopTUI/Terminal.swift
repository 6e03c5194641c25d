import CFatalSignals
import CNcurses
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The only code that calls ncurses: starts and stops the terminal, copies a `Screen`
/// onto it, and decodes keys.
final class Terminal {
  private let handle: OpaquePointer
  let colors: Int
  private var theme: Theme

  /// Checks that a full-screen view can work here, before touching the terminal.
  static func checkAvailable() throws {
    guard isatty(1) == 1, isatty(0) == 1 else { throw LiveViewUnavailable.notATerminal }
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    guard !term.isEmpty, term != "dumb", dtc_terminal_usable() == 1 else {
      throw LiveViewUnavailable.dumbTerminal(term.isEmpty ? "(unset)" : term)
    }
  }

  init(theme: Theme, useColor: Bool) throws {
    try Self.checkAvailable()
    guard let handle = dtc_start() else {
      throw LiveViewUnavailable.cannotStart(getenv("TERM").map { String(cString: $0) } ?? "")
    }
    self.handle = handle
    // A crash must not leave the terminal in raw mode on the alternate screen.
    dtf_on_fatal(dtc_emergency_restore)
    colors = useColor ? Int(dtc_colors()) : 0
    self.theme = theme
    apply(theme)
  }

  func stop() {
    dtf_on_fatal(nil)
    dtc_stop(handle)
  }

  var size: (width: Int, height: Int) { (Int(dtc_cols()), Int(dtc_lines())) }

  func apply(_ theme: Theme) {
    self.theme = theme
    guard colors > 0 else { return }
    for (index, role) in Role.allCases.enumerated() {
      let style = Theme.adapt(theme.style(role), toColors: colors)
      dtc_init_pair(Int16(index + 1), Self.number(style.foreground), Self.number(style.background))
    }
  }

  private static func number(_ color: Theme.Color) -> Int16 {
    switch color {
    case .terminalDefault: -1
    case .indexed(let index): Int16(index)
    }
  }

  func draw(_ screen: Screen) {
    dtc_erase()
    for row in 0..<screen.height {
      for run in screen.runs(ofRow: row) {
        let index = Role.allCases.firstIndex(of: run.role)!
        let style =
          colors > 0 ? Theme.adapt(theme.style(run.role), toColors: colors) : theme.monochrome.style(run.role)
        dtc_draw(
          Int32(row), Int32(run.column), run.text, colors > 0 ? Int16(index + 1) : 0,
          style.attributes.rawValue)
      }
    }
    dtc_refresh()
  }

  /// The next key, or nil when none came within `milliseconds`.
  func key(waitingUpTo milliseconds: Int32) -> Key? {
    let code = dtc_get_key(milliseconds)
    switch code {
    case ERR: return nil
    case KEY_UP: return .up
    case KEY_DOWN: return .down
    case KEY_LEFT: return .left
    case KEY_RIGHT: return .right
    case KEY_PPAGE: return .pageUp
    case KEY_NPAGE: return .pageDown
    case KEY_HOME: return .home
    case KEY_END: return .end
    case KEY_ENTER, 10, 13: return .enter
    case 27: return .escape
    case 9: return .tab
    case KEY_BTAB: return .backTab
    case KEY_BACKSPACE, 127, 8: return .backspace
    case KEY_RESIZE: return .resize
    case (KEY_F0 + 1)...(KEY_F0 + 12): return .function(Int(code - KEY_F0))
    case 32...126: return .character(Character(Unicode.Scalar(UInt8(code))))
    default: return nil
    }
  }
}

/// Why the live view cannot start; the caller prints the text report instead.
public enum LiveViewUnavailable: Error, CustomStringConvertible {
  case notATerminal
  case dumbTerminal(String)
  case cannotStart(String)
  public var description: String {
    switch self {
    case .notATerminal: "standard output is not a terminal"
    case .dumbTerminal(let term): "the terminal (TERM=\(term)) cannot move the cursor"
    case .cannotStart(let term): "ncurses cannot start on TERM=\(term)"
    }
  }
}

/// Set by SIGINT and SIGTERM; the loop sees it and restores the terminal.
let stopRequested = Atomic<Bool>(false)

func installStopHandlers() {
  stopRequested.store(false, ordering: .relaxed)
  signal(SIGINT, requestStop)
  signal(SIGTERM, requestStop)
  signal(SIGHUP, requestStop)
  // A parent may have started us with these blocked; they must reach the loop.
  var stops = sigset_t()
  sigemptyset(&stops)
  for stop in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stops, stop) }
  pthread_sigmask(SIG_UNBLOCK, &stops, nil)
}

private func requestStop(_ signal: Int32) {
  stopRequested.store(true, ordering: .relaxed)
}

/// Decides Unicode or ASCII line drawing from the locale. Call once, before ncurses.
public func prepareLocale() -> Glyphs {
  setlocale(LC_ALL, "")
  let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
  return codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8" ? .unicode : .ascii
}
