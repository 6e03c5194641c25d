/// The bottom two rows: the message line and the function-key bar.
enum KeyBar {
  static func draw(
    message messageRect: Rect, keys keysRect: Rect, on screen: inout Screen, state: AppState, frame: Frame
  ) {
    let glyphs = frame.glyphs
    // A message the user caused wins; otherwise what happened to the process stays said.
    let message =
      state.message ?? (state.editingFilter ? "type to filter, Enter keeps it, Esc clears it" : nil)
    if let text = message ?? frame.exitedNote {
      let role: Role = message == nil ? .warning : .message
      if role == .warning { screen.paint(row: messageRect.row, role: role) }
      screen.put(
        " " + glyphs.plain(text).fitted(to: messageRect.width - 1, glyphs: glyphs),
        column: messageRect.column,
        row: messageRect.row, role: role)
    }
    var x = keysRect.column
    let keys = fitting(keys(state, frame), width: keysRect.width, glyphs: glyphs)
    for (key, label) in keys {
      x = screen.put(key, column: x, row: keysRect.row, role: .keyName)
      x = screen.put(label + " ", column: x, row: keysRect.row, role: .keyLabel)
    }
  }

  /// The keys in their order, leaving out the least needed until they fit: Quit and Help
  /// always stay, then Details, the host's keys, Filter, Sort, Pause, Theme, Export.
  static func fitting(_ keys: [(String, String)], width: Int, glyphs: Glyphs) -> [(String, String)] {
    var shown = keys.map {
      (
        glyphs.isASCII
          ? $0.0.replacingOccurrences(of: "↑↓", with: "Up/Dn").replacingOccurrences(of: "←→", with: "Lt/Rt")
            .replacingOccurrences(of: "←", with: "Left") : $0.0, $0.1
      )
    }
    let dropOrder = [
      "Export", "Theme", "Back", "Pause", "Sort", "Filter", "Move", "Live", "Last", "Formed", "Restart",
      "Fixed",
      "Menu", "Details",
    ]
    func length(_ keys: [(String, String)]) -> Int { keys.reduce(0) { $0 + $1.0.count + $1.1.count + 1 } }
    for label in dropOrder where length(shown) > width {
      shown.removeAll { $0.1 == label }
    }
    return shown
  }

  static func keys(_ state: AppState, _ frame: Frame) -> [(String, String)] {
    if state.picking, let picker = frame.picker {
      return [("Enter", picker.chooseLabel)] + picker.commands.map { (String($0.key), $0.label) }
        + [("↑↓", "Move"), ("?", "Help"), ("q", "Quit")]
    }
    if let timeline = frame.timeline {
      return [
        ("F1", "Help"), ("←→", "Step"), ("Spc", timeline.playing ? "Pause" : "Play"), ("d", "Formed"),
        ("End", timeline.replay ? "Last" : "Live"), ("Enter", "Details"), ("/", "Filter"), ("t", "Theme"),
        ("e", "Export"),
      ] + frame.commands.map { (String($0.key), $0.label) } + [("q", "Quit")]
    }
    return [("F1", "Help"), ("Enter", "Details"), ("/", "Filter"), ("<>", "Sort"), ("Spc", "Pause")]
      + (frame.hasHistory ? [("←", "Back")] : []) + [("t", "Theme"), ("e", "Export")]
      + frame.commands.map { (String($0.key), $0.label) } + [("q", "Quit")]
  }
}

extension String {
  func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
