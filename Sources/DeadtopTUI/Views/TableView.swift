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

  /// A column: its title, its width (fixed) or its share of what the fixed ones leave
  /// (flexible), its sort key, and whether it keeps the end of its text.
  struct Spec {
    let title: String
    let size: Int
    let sort: SortColumn?
    var cutsFromLeft = false
    var flexible = false

    init(_ title: String, _ size: Int, _ sort: SortColumn? = nil, cutsFromLeft: Bool = false) {
      self.title = title
      self.size = size
      self.sort = sort
      self.cutsFromLeft = cutsFromLeft
    }

    /// A flexible column with `share` of the width left.
    static func share(_ title: String, _ share: Int, _ sort: SortColumn? = nil, cutsFromLeft: Bool = false)
      -> Spec
    {
      var spec = Spec(title, share, sort, cutsFromLeft: cutsFromLeft)
      spec.flexible = true
      return spec
    }
  }

  /// The columns in the order given: fixed ones keep their width, flexible ones share
  /// what is left in proportion (the last takes the rest).
  static func columns(_ specs: [Spec], width: Int) -> [Table.Column] {
    let used = specs.filter { !$0.flexible }.reduce(0) { $0 + $1.size + 1 }
    let flexibleCount = specs.filter(\.flexible).count
    let left = max(0, width - used - flexibleCount)
    let shares = specs.filter(\.flexible).reduce(0) { $0 + $1.size }
    let lastFlexible = specs.lastIndex { $0.flexible }
    var given = 0
    return specs.indices.map { index in
      let spec = specs[index]
      var columnWidth = spec.size
      if spec.flexible {
        columnWidth = index == lastFlexible ? max(0, left - given) : left * spec.size / max(1, shares)
        given += columnWidth
      }
      return Table.Column(
        title: spec.title, width: columnWidth, sort: spec.sort, cutsFromLeft: spec.cutsFromLeft)
    }
  }

  /// The width of an id column: its title or its longest id, whichever is wider.
  static func idWidth(_ title: String, largest: String) -> Int { max(title.count + 1, largest.count) }

  /// Rows the details pane needs at least to be worth drawing (a rule, a title, facts).
  static let previewMinimum = 5

  /// Draws the column header on the rectangle's first row, the page of rows below it,
  /// and, when the rows leave enough free, the selected row's details under a rule.
  static func draw(
    _ table: Table, in rect: Rect, on screen: inout Screen, state: AppState, selection: Int, scroll: Int,
    glyphs: Glyphs
  ) -> Body.Placement {
    let (headerRow, below) = rect.split(top: 1)
    screen.paint(row: headerRow.row, role: .columnHeader)
    var x = rect.column
    for column in table.columns {
      var title = column.title
      if column.sort == state.sort { title += state.sortDescending ? glyphs.up : glyphs.down }
      screen.put(title, column: x, row: headerRow.row, role: .columnHeader, limit: column.width)
      x += column.width + 1
    }
    var rows = below
    var pane: Rect?
    if table.preview != nil, table.count > 0, below.height - table.count >= previewMinimum {
      let split = below.split(top: table.count)
      rows = split.top
      pane = split.rest
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
        let plain = glyphs.plain(text)
        let fitted =
          column.cutsFromLeft
          ? plain.fittedFromLeft(to: column.width, ellipsis: glyphs.ellipsis)
          : plain.fitted(to: column.width, glyphs: glyphs)
        screen.put(fitted, column: x, row: y, role: row.role)
        x += column.width + 1
      }
      if position == scrolling.selected {
        screen.paint(row: y, role: .selected)
        target = row.subject
      }
    }
    if let pane, let target, let preview = table.preview {
      drawPreview(preview(target), in: pane, on: &screen, glyphs: glyphs)
    }
    return Body.Placement(scrolling: scrolling, target: target)
  }

  /// A rule, then the selected row's details, cut to the pane.
  private static func drawPreview(_ lines: [ViewLine], in pane: Rect, on screen: inout Screen, glyphs: Glyphs)
  {
    let (rule, body) = pane.split(top: 1)
    let label = " selected (Enter for all) "
    let dashes = String(repeating: glyphs.horizontal, count: max(0, pane.width - label.count - 2))
    screen.put(
      glyphs.horizontal + glyphs.horizontal + label + dashes, column: pane.column, row: rule.row,
      role: .border)
    let wrapped = ViewContent.wrap(lines.map { ViewLine(glyphs.plain($0.text), $0.role) }, width: body.width)
    for (offset, line) in wrapped.prefix(body.height).enumerated() {
      screen.put(" " + line.text, column: body.column, row: body.row + offset, role: line.role)
    }
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
