import DeadtopCore
import Foundation
import Testing

@testable import DeadtopTUI

@Suite struct KeyAndStateTests {
  func apply(_ keys: [Key], to start: AppState = AppState(), rows: Int = 6) -> AppState {
    keys.reduce(start) { state, key in
      guard let action = KeyMap.action(for: key, in: state) else { return state }
      return update(state, action, navigation: Navigation(rowCount: rows, pageSize: 3), themeCount: 4)
    }
  }

  @Test func movingStaysInRange() {
    #expect(apply([.down, .character("j"), .down]).selected(.tasks) == 3)
    #expect(apply([.up]).selected(.tasks) == 0)
    #expect(apply([.character("G")]).selected(.tasks) == 5)
    #expect(apply([.character("G"), .character("g")]).selected(.tasks) == 0)
    #expect(apply([.pageDown, .pageDown, .pageDown]).selected(.tasks) == 5)
  }

  @Test func digitsAndTabSwitchViews() {
    #expect(apply([.character("3")]).view == .deadlocks)
    #expect(apply([.tab, .tab]).view == .deadlocks)
    #expect(apply([.backTab]).view == .events)
    #expect(apply([.character("9")]).view == .tasks)
  }

  @Test func filterTypingAndClearing() {
    let typed = apply([.character("/"), .character("a"), .character("b"), .backspace, .character("q")])
    #expect(typed.filter == "aq")
    #expect(typed.editingFilter)
    let kept = apply([.enter], to: typed)
    #expect(!kept.editingFilter)
    #expect(kept.filter == "aq")
    #expect(apply([.escape], to: kept).filter.isEmpty)
    #expect(apply([.escape], to: typed).filter.isEmpty)
  }

  @Test func sortingAndPausing() {
    let sorted = apply([.character(">"), .character(">"), .character("i")])
    #expect(sorted.sort == .state)
    #expect(sorted.sortDescending)
    #expect(apply([.character(" ")]).paused)
    #expect(!apply([.character(" "), .character(" ")]).paused)
    #expect(apply([.character("t"), .character("t")]).themeIndex == 2)
  }

  @Test func helpOpensAndAnyKeyClosesIt() {
    let open = apply([.character("?")])
    #expect(open.showingHelp)
    #expect(!apply([.character("x")], to: open).showingHelp)
    #expect(!apply([.character("q")], to: open).showingHelp, "q closes help too, as help says")
    #expect(apply([.down, .down], to: open).helpScroll == 2, "arrows scroll the help")
    #expect(apply([.down, .down], to: open).showingHelp)
    #expect(KeyMap.action(for: .character("q"), in: open) == .help)
    #expect(KeyMap.action(for: .character("q"), in: AppState()) == .quit)
    #expect(KeyMap.action(for: .function(10), in: AppState()) == .quit)
  }

  @Test func escapeClosesDetailsFirst() {
    var state = AppState().opening(.task(1)).opening(.resource(7))
    state.filter = "x"
    let back = apply([.escape], to: state)
    #expect(back.detail == .task(1), "Esc goes back one detail")
    #expect(apply([.escape, .escape], to: state).detail == nil)
    #expect(apply([.escape, .escape], to: state).filter == "x")
    #expect(apply([.escape, .escape, .escape], to: state).filter.isEmpty)
  }

  @Test func thePageFollowsTheSelectionOnlyWhenItLeavesThePage() {
    // 6 rows, 3 on a page: down to row 4 scrolls to show rows 2-4; up to row 3 keeps it.
    let down = apply([.down, .down, .down, .down])
    #expect(down.selected(.tasks) == 4)
    #expect(down.scroll[.tasks] == 2)
    let up = apply([.up], to: down)
    #expect(up.selected(.tasks) == 3)
    #expect(up.scroll[.tasks] == 2)
    #expect(apply([.up, .up, .up], to: down).scroll[.tasks] == 1)
  }

  @Test func hostKeysBecomeHostActionsButNeverReplaceBuiltIns() {
    #expect(KeyMap.action(for: .character("m"), in: AppState(), hostKeys: ["m", "t"]) == .host("m"))
    #expect(KeyMap.action(for: .character("t"), in: AppState(), hostKeys: ["m", "t"]) == .nextTheme)
    #expect(KeyMap.action(for: .character("m"), in: AppState()) == nil)
    var picking = AppState()
    picking.picking = true
    #expect(KeyMap.action(for: .enter, in: picking) == .choose)
    #expect(KeyMap.action(for: .character("?"), in: picking) == .help)
  }

  @Test func sortingByWaitPutsTheLongestFirst() {
    var state = AppState()
    state.sort = .wait
    let names = TasksView.rows(bankAnalysis(), state: state, longWaitSeconds: 5).map(\.name)
    #expect(names.first == "reporter")
    state.sortDescending = true
    #expect(TasksView.rows(bankAnalysis(), state: state, longWaitSeconds: 5).map(\.name).last == "reporter")
  }
}

@Suite struct ThemeTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test func parsesColoursAndAttributes() throws {
    let theme = try Theme.parse(
      "# comment\nname = mine\ndeadlock = bright-red on 236 bold underline\nheader = default reverse\n",
      defaultName: "x")
    #expect(theme.name == "mine")
    #expect(
      theme.style(.deadlock)
        == Theme.Style(foreground: .indexed(9), background: .indexed(236), attributes: [.bold, .underline]))
    #expect(theme.style(.header).attributes == [.reverse])
    #expect(theme.style(.dim) == Theme.Style(), "an unset role looks like normal")
  }

  @Test func reportsTheLineOfAMistake() {
    #expect(throws: Theme.ParseError(line: 2, message: "unknown word 'purple'")) {
      try Theme.parse("name = x\nbanner = purple\n", defaultName: "x")
    }
    #expect(throws: Theme.ParseError.self) { try Theme.parse("nonsense\n", defaultName: "x") }
    #expect(throws: Theme.ParseError.self) { try Theme.parse("sparkle = red\n", defaultName: "x") }
  }

  @Test func coloursFoldForSmallerTerminals() {
    let style = Theme.Style(foreground: .indexed(203), background: .indexed(24), attributes: [])
    let sixteen = Theme.adapt(style, toColors: 16)
    #expect(sixteen.foreground == .indexed(9))
    let eight = Theme.adapt(style, toColors: 8)
    if case .indexed(let index) = eight.foreground { #expect(index < 8) }
    #expect(eight.attributes.contains(.bold), "bright red becomes bold red")
    #expect(Theme.adapt(style, toColors: 256) == style)
    #expect(Theme.adapt(style, toColors: 0) == Theme.Style(attributes: []))
  }

  @Test func everyShippedThemeParses() throws {
    let directory = Self.repository.appendingPathComponent("themes").path
    let catalog = ThemeCatalog.load(from: [directory])
    #expect(catalog.problems.isEmpty, "\(catalog.problems)")
    #expect(catalog.themes.map(\.name) == ["default", "high-contrast", "light", "monochrome"])
    let monochrome = try #require(catalog.themes.first { $0.name == "monochrome" })
    for role in Role.allCases {
      #expect(monochrome.style(role).foreground == .terminalDefault)
      #expect(monochrome.style(role).background == .terminalDefault)
    }
    // The built-in fallback is the shipped default.
    #expect(catalog.themes[0].styles == Theme.builtInDefault.styles)
    // A light theme's dark text must not land on a dark terminal's own background.
    let light = try #require(catalog.themes.first { $0.name == "light" })
    for role in Role.allCases {
      #expect(light.style(role).background != .terminalDefault, "light's \(role.rawValue) has no background")
    }
  }

  @Test func earlierDirectoriesWinAndFilesLoadByPath() throws {
    let mine = NSTemporaryDirectory() + "deadtop-themes-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: mine) }
    try "deadlock = green\n".write(toFile: mine + "/light.theme", atomically: true, encoding: .utf8)
    try "banner = nope nope\n".write(toFile: mine + "/broken.theme", atomically: true, encoding: .utf8)
    let catalog = ThemeCatalog.load(from: [mine, Self.repository.appendingPathComponent("themes").path])
    let light = try #require(catalog.themes.first { $0.name == "light" })
    #expect(light.style(.deadlock).foreground == .indexed(2))
    #expect(catalog.problems.count == 1)
    #expect(catalog.problems[0].contains("broken.theme"))
    guard case .success(let byPath) = catalog.theme(named: mine + "/light.theme") else {
      Issue.record("a theme file by path")
      return
    }
    #expect(byPath.name == "light")
    guard case .failure(let error) = catalog.theme(named: "no-such") else {
      Issue.record("an unknown theme name is an error")
      return
    }
    #expect(error.message.contains("found: default"))
  }

  @Test func theRepositoryThemesAreFoundFromTheBinary() {
    let executable = Self.repository.appendingPathComponent(".build/debug/deadtop").path
    let directories = ThemeCatalog.searchDirectories(themesDirectory: "/custom", executable: executable)
    #expect(directories.first == "/custom")
    #expect(directories.last == Self.repository.appendingPathComponent("themes").path)
  }
}
