import DeadtopCore

/// `?`: every key, the host's too, and what the styles mean.
enum HelpView {
  static func content(_ frame: Frame, hostCommands: [HostCommand], width: Int) -> ViewContent {
    let entries = KeyMap.help + hostCommands.map { (keys: String($0.key), meaning: $0.help) }
    let keyWidth = entries.map(\.keys.count).max() ?? 0
    var lines = [ViewLine("Keys", .title)]
    lines += entries.map { ViewLine("  " + $0.keys.padded(to: keyWidth) + "   " + $0.meaning) }
    lines.append(ViewLine(""))
    lines.append(
      ViewLine(
        "Deadlocked tasks are marked \(frame.glyphs.marker) and drawn in the deadlock style; tasks waiting longer than "
          + "\(formatDuration(frame.longWaitSeconds)) in the warning style.", .dim))
    lines.append(ViewLine("↑ ↓ scroll this help; any other key closes it.", .dim))
    return .text(lines, width: width, glyphs: frame.glyphs, cursor: false)
  }
}
