/// The host's list (deadtop demo's scenarios), full screen, before any process is watched.
enum PickerView {
  static func draw(_ picker: Picker, in rect: Rect, on screen: inout Screen, selection: Int, glyphs: Glyphs) {
    screen.paint(row: rect.row, role: .header)
    screen.put(" " + picker.title, column: rect.column, row: rect.row, role: .header)
    screen.put(" " + picker.subtitle, column: rect.column, row: rect.row + 1, role: .dim)
    let list = rect.split(top: 3).rest
    let nameWidth = picker.entries.map(\.name.count).max() ?? 0
    let scrolling = Scrolling(
      count: picker.entries.count, page: list.height, selection: selection, scroll: 0, cursor: true)
    for (offset, index) in picker.entries.indices.dropFirst(scrolling.first).prefix(list.height).enumerated()
    {
      let entry = picker.entries[index]
      let y = list.row + offset
      let text = "  " + entry.name.padded(to: nameWidth) + "  " + entry.summary
      screen.put(glyphs.plain(text).fitted(to: rect.width, glyphs: glyphs), column: rect.column, row: y)
      if index == scrolling.selected { screen.paint(row: y, role: .selected) }
    }
  }

  static func pageSize(height: Int) -> Int {
    max(1, ScreenLayout.bare(width: 0, height: height).body.height - 3)
  }
}
