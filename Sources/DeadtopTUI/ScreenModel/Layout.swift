/// A rectangle of the screen, in cells.
public struct Rect: Sendable, Equatable {
  public var column: Int
  public var row: Int
  public var width: Int
  public var height: Int

  public var bottom: Int { row + height }
  public var rows: Range<Int> { row..<max(row, bottom) }

  /// The first `count` rows, and what is left below them.
  func split(top count: Int) -> (top: Rect, rest: Rect) {
    let taken = min(max(0, count), height)
    return (
      Rect(column: column, row: row, width: width, height: taken),
      Rect(column: column, row: row + taken, width: width, height: height - taken)
    )
  }

  /// The last `count` rows, and what is left above them.
  func split(bottom count: Int) -> (rest: Rect, bottom: Rect) {
    let taken = min(max(0, count), height)
    return (
      Rect(column: column, row: row, width: width, height: height - taken),
      Rect(column: column, row: bottom - taken, width: width, height: taken)
    )
  }
}

/// Where each part of the live view goes: the header (title, counts, verdict), the tabs,
/// the body, the message line and the key bar. Views draw only inside their rectangle.
public struct ScreenLayout: Sendable, Equatable {
  public let title: Rect
  public let counts: Rect
  public let verdict: Rect
  public let tabs: Rect
  public let body: Rect
  public let message: Rect
  public let keys: Rect

  public init(width: Int, height: Int) {
    let whole = Rect(column: 0, row: 0, width: width, height: height)
    var (row, rest) = whole.split(top: 1)
    title = row
    (row, rest) = rest.split(top: 1)
    counts = row
    (row, rest) = rest.split(top: 1)
    verdict = row
    (row, rest) = rest.split(top: 1)
    tabs = row
    var keysRow: Rect
    (rest, keysRow) = rest.split(bottom: 1)
    keys = keysRow
    (rest, keysRow) = rest.split(bottom: 1)
    message = keysRow
    body = rest
  }

  /// A screen without the header and tabs (the picker): body from the top.
  public static func bare(width: Int, height: Int) -> (body: Rect, message: Rect, keys: Rect) {
    let whole = Rect(column: 0, row: 0, width: width, height: height)
    let (above, keys) = whole.split(bottom: 1)
    let (body, message) = above.split(bottom: 1)
    return (body, message, keys)
  }
}
