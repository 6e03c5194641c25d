import DeadtopCore

/// The shared table: column layout, sorting and filtering, paging and the selection bar,
/// written once for the tasks and the resources views.
enum TableView {
  /// A sort key: compared by `primary`, then `text`, then `secondary`.
  struct SortValue: Comparable {
    var primary: Double = 0
    var text: String = ""
    var secondary: Double = 0

    static func < (a: SortValue, b: SortValue) -> Bool {
      (a.primary, a.text, a.secondary) < (b.primary, b.text, b.secondary)
    }
  }

  /// `items` in the state's order: filtered by the worded row (only when a filter is
  /// set, so sorting alone words nothing), then sorted by the state's column, ties by id.
  static func arrange<Item>(
    _ items: [Item], state: AppState, id: (Item) -> UInt64, key: (Item, SortColumn) -> SortValue,
    searchText: (Item) -> String
  ) -> [Item] {
    let needle = state.filter.lowercased()
    if state.sort == .id {
      // The common case needs no key: ids alone order the rows.
      var kept: [(item: Item, id: UInt64)] = []
      kept.reserveCapacity(items.count)
      for item in items where needle.isEmpty || searchText(item).lowercased().contains(needle) {
        kept.append((item, id(item)))
      }
      kept.sort { state.sortDescending ? $0.id > $1.id : $0.id < $1.id }
      return kept.map(\.item)
    }
    var keyed: [(item: Item, id: UInt64, key: SortValue)] = []
    keyed.reserveCapacity(items.count)
    for item in items where needle.isEmpty || searchText(item).lowercased().contains(needle) {
      keyed.append((item, id(item), key(item, state.sort)))
    }
    let descending = state.sort.startsDescending != state.sortDescending
    keyed.sort { a, b in
      if a.key != b.key { return descending ? a.key > b.key : a.key < b.key }
      return state.sortDescending ? a.id > b.id : a.id < b.id
    }
    return keyed.map(\.item)
  }

  /// Fixed columns keep their width; flexible ones share what is left, in proportion.
  static func columns(
    fixed: [(String, Int, SortColumn?)], flexible: [(String, Int, SortColumn?)], width: Int
  ) -> [Table.Column] {
    let used = fixed.reduce(0) { $0 + $1.1 + 1 }
    let left = max(0, width - used)
    let shares = flexible.reduce(0) { $0 + $1.1 }
    var columns = fixed.map { Table.Column(title: $0.0, width: $0.1, sort: $0.2) }
    var given = 0
    for (index, column) in flexible.enumerated() {
      let share =
        index == flexible.count - 1 ? max(0, left - given - flexible.count) : left * column.1 / max(1, shares)
      given += share
      columns.append(Table.Column(title: column.0, width: share, sort: column.2))
    }
    return columns
  }

  /// Draws the column header on the rectangle's first row and the page of rows below it.
  static func draw(
    _ table: Table, in rect: Rect, on screen: inout Screen, state: AppState, selection: Int, scroll: Int,
    glyphs: Glyphs
  ) -> Body.Placement {
    let (headerRow, rows) = rect.split(top: 1)
    screen.paint(row: headerRow.row, role: .columnHeader)
    var x = rect.column
    for column in table.columns {
      var title = column.title
      if column.sort == state.sort { title += state.sortDescending ? glyphs.up : glyphs.down }
      screen.put(title, column: x, row: headerRow.row, role: .columnHeader, limit: column.width)
      x += column.width + 1
    }
    let scrolling = Scrolling(
      count: table.count, page: rows.height, selection: selection, scroll: scroll, cursor: true)
    guard table.count > 0 else {
      screen.put(table.empty, column: rect.column + 1, row: rows.row, role: .dim)
      return Body.Placement(scrolling: scrolling, target: nil)
    }
    var target: Subject?
    for (offset, position) in (scrolling.first..<min(table.count, scrolling.first + rows.height)).enumerated()
    {
      let row = table.row(position)
      let y = rows.row + offset
      var x = rect.column
      for (text, column) in zip(row.cells, table.columns) {
        screen.put(
          glyphs.plain(text).fitted(to: column.width, glyphs: glyphs), column: x, row: y, role: row.role)
        x += column.width + 1
      }
      if position == scrolling.selected {
        screen.paint(row: y, role: .selected)
        target = row.subject
      }
    }
    return Body.Placement(scrolling: scrolling, target: target)
  }
}

extension SortColumn {
  /// Longest wait and most holds come first; ids and names in ascending order.
  var startsDescending: Bool { self == .wait || self == .holds }
}

/// Draws a view's content into the body and says how it is scrolled and what Enter opens.
enum Body {
  struct Placement: Equatable {
    let scrolling: Scrolling
    let target: Subject?
  }

  static func draw(
    _ content: ViewContent, in rect: Rect, on screen: inout Screen, state: AppState, selection: Int,
    scroll: Int, glyphs: Glyphs
  ) -> Placement {
    switch content {
    case .table(let table):
      return TableView.draw(
        table, in: rect, on: &screen, state: state, selection: selection, scroll: scroll, glyphs: glyphs)
    case .lines(let lines, let cursor):
      let scrolling = Scrolling(
        count: lines.count, page: rect.height, selection: selection, scroll: scroll, cursor: cursor)
      let visible = lines.indices.dropFirst(scrolling.first).prefix(rect.height)
      for (offset, index) in visible.enumerated() {
        let y = rect.row + offset
        screen.put(" " + lines[index].text, column: rect.column, row: y, role: lines[index].role)
        if cursor && index == scrolling.selected { screen.paint(row: y, role: .selected) }
      }
      let target =
        cursor && lines.indices.contains(scrolling.selected) ? lines[scrolling.selected].subject : nil
      return Placement(scrolling: scrolling, target: target)
    }
  }
}
