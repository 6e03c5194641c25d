import DeadtopCore

/// What a cell means; the theme decides how each looks. Views speak in roles so that
/// screens are tested as text plus roles, and every theme (or none) draws them.
public enum Role: String, CaseIterable, Sendable {
  case normal, header, title, banner, selected, deadlock, warning, dim, ended
  case columnHeader = "column-header"
  case keyName = "key-name"
  case keyLabel = "key-label"
  case message, border, good
}

public struct Cell: Equatable, Sendable {
  public var character: Character
  public var role: Role
}

/// An in-memory screen: a grid of styled cells. Views draw into it; the backend copies
/// it to the terminal; tests read it as text.
public struct Screen: Sendable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(character: " ", role: .normal), count: self.width * self.height)
  }

  /// Writes `text` at (`column`, `row`), clipped to the screen (or to `limit` columns);
  /// returns the column after the last character written.
  @discardableResult
  public mutating func put(
    _ text: String, column: Int, row: Int, role: Role = .normal, limit: Int? = nil
  ) -> Int {
    guard row >= 0, row < height else { return column }
    let end = min(width, limit.map { column + $0 } ?? width)
    var x = column
    for character in text {
      guard x < end else { break }
      if x >= 0 { cells[row * width + x] = Cell(character: character, role: role) }
      x += 1
    }
    return x
  }

  /// Gives a whole row one role (a selection bar, a banner).
  public mutating func paint(row: Int, role: Role) {
    guard row >= 0, row < height else { return }
    for x in 0..<width { cells[row * width + x].role = role }
  }

  public func cell(column: Int, row: Int) -> Cell { cells[row * width + column] }

  /// For a terminal without UTF-8: every cell becomes one ASCII character (names and
  /// report text may hold any Unicode).
  mutating func replaceNonASCII(using glyphs: Glyphs) {
    for index in cells.indices where !cells[index].character.isASCII {
      cells[index].character = glyphs.plain(String(cells[index].character)).first ?? "?"
    }
  }

  /// One row as text, trailing spaces removed.
  public func line(_ row: Int) -> String {
    var text = String(cells[(row * width)..<((row + 1) * width)].map(\.character))
    while text.last == " " { text.removeLast() }
    return text
  }

  public var text: String { (0..<height).map(line).joined(separator: "\n") }

  /// The role most of a row's non-blank cells have.
  public func role(ofRow row: Int) -> Role {
    var counts: [Role: Int] = [:]
    for x in 0..<width where cells[row * width + x].character != " " {
      counts[cells[row * width + x].role, default: 0] += 1
    }
    return counts.max { $0.value < $1.value }?.key ?? cells[row * width].role
  }

  /// Runs of one role per row, for the backend to draw with few calls.
  public func runs(ofRow row: Int) -> [(column: Int, text: String, role: Role)] {
    var runs: [(column: Int, text: String, role: Role)] = []
    for x in 0..<width {
      let cell = cells[row * width + x]
      if let last = runs.last, last.role == cell.role {
        runs[runs.count - 1].text.append(cell.character)
      } else {
        runs.append((x, String(cell.character), cell.role))
      }
    }
    return runs
  }
}

/// Line-drawing characters: Unicode, or ASCII when the locale is not UTF-8.
public struct Glyphs: Sendable {
  /// No character above 127 reaches the terminal: every cell is folded with `plain`.
  public let isASCII: Bool
  public let horizontal: String
  public let arrow: String
  public let marker: String
  public let ellipsis: String
  public let up: String
  public let down: String
  /// Eight levels, lowest first, for sparklines.
  public let levels: [String]

  /// `text` with the Unicode characters the reports use replaced when drawing in ASCII.
  public func plain(_ text: String) -> String { isASCII ? text.foldedToASCII : text }

  public static let unicode = Glyphs(
    isASCII: false, horizontal: "─", arrow: "▶", marker: "✖", ellipsis: "…", up: "▲", down: "▼",
    levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"])
  public static let ascii = Glyphs(
    isASCII: true, horizontal: "-", arrow: ">", marker: "X", ellipsis: "~", up: "^", down: "v",
    levels: [".", ":", "-", "=", "+", "*", "#", "@"])
}

extension String {
  /// Cut to `width` columns, with the glyphs' ellipsis when cut.
  public func fitted(to width: Int, glyphs: Glyphs) -> String { fitted(to: width, ellipsis: glyphs.ellipsis) }
}
