/// Fitting text into columns, for every plain-text table (the live view, `deadtop list`).
extension String {
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
