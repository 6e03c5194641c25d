/// Fitting text into columns, for every plain-text table (the live view, `deadtop list`),
/// and folding it to ASCII for a terminal without UTF-8.
extension String {
  /// The text with the Unicode the reports use spelled in ASCII (`→` as `->`), and any
  /// other non-ASCII character as `?`: for a locale that is not UTF-8.
  public var foldedToASCII: String {
    var result = ""
    for character in self {
      switch character {
      case "→": result += "->"
      case "≥": result += ">="
      case "─": result += "-"
      case "▶": result += ">"
      case "✖": result += "X"
      case "…": result += "~"
      case "↑", "▲": result += "^"
      case "↓", "▼": result += "v"
      default: result.append(character.isASCII ? character : "?")
      }
    }
    return result
  }

  /// Cut to `width` characters, ending in `ellipsis` when cut.
  public func fitted(to width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard count > width else { return self }
    return String(prefix(max(0, width - ellipsis.count))) + ellipsis
  }

  /// Cut to `width` characters from the left, starting with `ellipsis` when cut: a path
  /// keeps its file name and line (`…Scenarios.swift:23`).
  public func fittedFromLeft(to width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard count > width else { return self }
    return ellipsis + String(suffix(max(0, width - ellipsis.count)))
  }

  public func padded(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }

  public func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
