import DeadtopCore

/// Everything a view reads to build its content for one frame.
struct ViewContext {
  let analysis: Analysis
  let state: AppState
  let frame: Frame
  /// The body's width: tables lay out their columns and text views wrap to it.
  let width: Int

  var snapshot: Snapshot { analysis.snapshot }
  var glyphs: Glyphs { frame.glyphs }
}

/// One line of a text view, with what Enter opens on it.
struct ViewLine {
  var text: String
  var role: Role
  var subject: Subject?

  init(_ text: String, _ role: Role = .normal, subject: Subject? = nil) {
    self.text = text
    self.role = role
    self.subject = subject
  }
}

/// One row of a table, worded.
struct TableRow {
  var cells: [String]
  var role: Role
  var subject: Subject?
}

/// A table: its columns and its rows in the order the state asks for. Rows are worded on
/// demand, so a table of 10,000 tasks words only the rows on screen.
struct Table {
  struct Column {
    let title: String
    let width: Int
    let sort: SortColumn?
    /// Paths keep their end (`…Scenarios.swift:23`): cut from the left.
    var cutsFromLeft = false
  }

  var columns: [Column]
  var count: Int
  var row: (Int) -> TableRow
  /// What the body says when there is no row.
  var empty: String
  /// The selected row's details, drawn below the table in the rows it leaves free.
  var preview: ((Subject) -> [ViewLine])? = nil
}

/// What a view shows in one frame, computed once: drawing, the row count for the keys
/// and Enter's target all read the same content.
enum ViewContent {
  case table(Table)
  /// Wrapped lines. With a cursor, the selection marks one line (views whose lines open
  /// something); without, the selection is the first line shown.
  case lines([ViewLine], cursor: Bool)

  /// Text lines, wrapped to `width` (continuations keep their line's role and subject).
  static func text(_ lines: [ViewLine], width: Int, glyphs: Glyphs, cursor: Bool) -> ViewContent {
    .lines(
      wrap(lines.map { ViewLine(glyphs.plain($0.text), $0.role, subject: $0.subject) }, width: width),
      cursor: cursor)
  }

  /// Long lines continue on the next rows, indented under their start.
  static func wrap(_ lines: [ViewLine], width: Int) -> [ViewLine] {
    let room = max(10, width - 2)
    var wrapped: [ViewLine] = []
    for line in lines {
      guard line.text.count > room else {
        wrapped.append(line)
        continue
      }
      let indent = String(repeating: " ", count: min(room / 2, line.text.prefix { $0 == " " }.count + 4))
      var rest = Substring(line.text)
      var first = true
      while !rest.isEmpty {
        let limit = first ? room : room - indent.count
        var piece = rest.prefix(limit)
        if piece.count == limit, rest.count > limit, let space = piece.lastIndex(of: " "),
          piece.distance(from: piece.startIndex, to: space) > limit / 2
        {
          piece = piece[..<space]
        }
        wrapped.append(ViewLine((first ? "" : indent) + piece, line.role, subject: line.subject))
        rest = rest.dropFirst(piece.count).drop { $0 == " " }
        first = false
      }
    }
    return wrapped
  }
}

/// How a body of `count` rows is scrolled: what the keys may select and which row is
/// drawn first.
struct Scrolling: Equatable {
  /// Rows the selection may move over.
  let selectable: Int
  /// Rows visible at once.
  let page: Int
  let selected: Int
  let first: Int

  /// With a cursor the selection moves over every row and the page follows it (keeping
  /// the earlier scroll while the cursor stays on screen, as htop does); without, the
  /// selection is the first row shown.
  init(count: Int, page: Int, selection: Int, scroll: Int, cursor: Bool) {
    self.page = max(1, page)
    if cursor {
      selectable = count
      selected = max(0, min(selection, count - 1))
      var first = min(scroll, selected)
      if selected >= first + self.page { first = selected - self.page + 1 }
      self.first = max(0, min(first, max(0, count - self.page)))
    } else {
      selectable = max(1, count - self.page + 1)
      selected = max(0, min(selection, selectable - 1))
      first = selected
    }
  }
}
