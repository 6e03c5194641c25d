import ArgumentParser
import DeadtopReader
import DeadtopTUI

#if canImport(Glibc)
  import Glibc
#endif

/// The live view's options, shared by attach and demo.
struct LiveViewOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Refresh interval of the live view, in milliseconds.", valueName: "ms"))
  var interval: Int = 500

  @Option(
    help: ArgumentHelp("Colour theme: a name or a .theme file (themes/README.md).", valueName: "name|path"))
  var theme: String?

  @Option(help: ArgumentHelp("Look for themes here first.", valueName: "dir"))
  var themesDir: String?

  @Flag(help: "No colour (also when NO_COLOR is set).")
  var noColor = false

  func validate() throws {
    guard (50...60_000).contains(interval) else {
      throw ValidationError("--interval must be between 50 and 60000 milliseconds")
    }
    // A theme that does not exist is a mistake even when no live view starts (--once, a pipe).
    if let theme, case .failure(let error) = catalog.theme(named: theme) {
      throw ValidationError(error.message)
    }
  }

  private var catalog: ThemeCatalog {
    ThemeCatalog.load(
      from: ThemeCatalog.searchDirectories(themesDirectory: themesDir, executable: currentExecutable()))
  }

  func sessionOptions(longWaitSeconds longWait: Double) throws -> LiveOptions {
    let glyphs = prepareLocale()
    let catalog = self.catalog
    var themes = catalog.themes
    var index = 0
    if let theme {
      switch catalog.theme(named: theme) {
      case .success(let chosen):
        if let existing = themes.firstIndex(where: { $0.name == chosen.name }) {
          themes[existing] = chosen
          index = existing
        } else {
          themes.append(chosen)
          index = themes.count - 1
        }
      case .failure(let error):
        throw CommandFailure(error.message)
      }
    }
    let noColorEnvironment = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
    return LiveOptions(
      refreshMilliseconds: interval, longWaitSeconds: longWait, themes: themes, themeIndex: index,
      useColor: !(noColor || noColorEnvironment), glyphs: glyphs,
      startupMessage: catalog.problems.first)
  }
}

extension LiveViewOptions {
  /// Runs the live view where the terminal can show it. Where it cannot, says why on
  /// standard error and returns false, for the caller to print the report (--once) instead.
  static func ranLiveView(_ start: () throws -> Void) throws -> Bool {
    do {
      try LiveSession.checkTerminal()
      try start()
      return true
    } catch let unavailable as LiveViewUnavailable {
      Output.standardError("deadtop: \(unavailable): printing the report instead (--once)\n")
      return false
    }
  }
}
