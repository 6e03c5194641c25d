/// A colour theme: for each role a foreground, a background and attributes. Parsed
/// from `themes/*.theme` (see themes/README.md); parsing is pure, loading is in
/// ThemeFiles.swift.
public struct Theme: Sendable, Equatable {
  public enum Color: Sendable, Equatable, Hashable {
    case terminalDefault
    /// 0-7 the basic colours, 8-15 their bright forms, 16-255 the 256-colour cube and greys.
    case indexed(Int)
  }

  public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1)
    public static let underline = Attributes(rawValue: 2)
    public static let reverse = Attributes(rawValue: 4)
    public static let dim = Attributes(rawValue: 8)
  }

  public struct Style: Sendable, Equatable, Hashable {
    public var foreground: Color = .terminalDefault
    public var background: Color = .terminalDefault
    public var attributes: Attributes = []
  }

  public var name: String
  public var styles: [Role: Style]

  public func style(_ role: Role) -> Style { styles[role] ?? styles[.normal] ?? Style() }

  /// The same theme with no colour at all: attributes carry the meaning (NO_COLOR).
  public var monochrome: Theme {
    var result = Theme.builtInMonochrome
    result.name = name
    return result
  }

  public struct ParseError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
  }

  static let colorNames = [
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
  ]

  /// Parses `key = value` lines. Keys are role names (`deadlock`, `key-name`, …) or
  /// `name`; a value is `FOREGROUND [on BACKGROUND] [bold] [underline] [reverse] [dim]`,
  /// where a colour is `default`, a name, `bright-NAME` or a number 0-255.
  public static func parse(_ text: String, defaultName: String) throws -> Theme {
    var theme = Theme(name: defaultName, styles: [:])
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        .trimmingWhitespace()
      guard !line.isEmpty else { continue }
      let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
      guard parts.count == 2 else {
        throw ParseError(line: index + 1, message: "expected 'key = value'")
      }
      let key = parts[0].lowercased()
      if key == "name" {
        theme.name = parts[1]
        continue
      }
      guard let role = Role(rawValue: key) else {
        let known = Role.allCases.map(\.rawValue).joined(separator: ", ")
        throw ParseError(line: index + 1, message: "unknown key '\(key)' (known: name, \(known))")
      }
      theme.styles[role] = try parseStyle(parts[1], line: index + 1)
    }
    return theme
  }

  static func parseStyle(_ text: String, line: Int) throws -> Style {
    var style = Style()
    var words = text.lowercased().split(separator: " ").map(String.init)[...]
    var colorsSeen = 0
    while let word = words.popFirst() {
      switch word {
      case "bold": style.attributes.insert(.bold)
      case "underline": style.attributes.insert(.underline)
      case "reverse": style.attributes.insert(.reverse)
      case "dim": style.attributes.insert(.dim)
      case "on":
        guard let next = words.popFirst(), let color = parseColor(next) else {
          throw ParseError(line: line, message: "expected a colour after 'on'")
        }
        style.background = color
      default:
        guard colorsSeen == 0, let color = parseColor(word) else {
          throw ParseError(line: line, message: "unknown word '\(word)'")
        }
        style.foreground = color
        colorsSeen += 1
      }
    }
    return style
  }

  static func parseColor(_ word: String) -> Color? {
    if word == "default" { return .terminalDefault }
    if let number = Int(word), (0...255).contains(number) { return .indexed(number) }
    if let index = colorNames.firstIndex(of: word) { return .indexed(index) }
    if word.hasPrefix("bright-"), let index = colorNames.firstIndex(of: String(word.dropFirst(7))) {
      return .indexed(index + 8)
    }
    return nil
  }

  /// The colour a terminal with `available` colours can show: 256-colour values fold
  /// to the nearest of 16 or 8; bright colours on an 8-colour terminal become bold.
  public static func adapt(_ style: Style, toColors available: Int) -> Style {
    guard available > 0 else {
      return Style(attributes: style.attributes)
    }
    var result = style
    func fold(_ color: Color, isForeground: Bool) -> Color {
      guard case .indexed(var index) = color else { return color }
      if index >= available {
        index = nearestBasic(index, limit: 16)
      }
      if available <= 8 && index >= 8 {
        if isForeground { result.attributes.insert(.bold) }
        index -= 8
      }
      return .indexed(index)
    }
    result.foreground = fold(style.foreground, isForeground: true)
    result.background = fold(style.background, isForeground: false)
    return result
  }

  /// The nearest of the first `limit` (8 or 16) colours to a 256-colour index.
  static func nearestBasic(_ index: Int, limit: Int) -> Int {
    let (red, green, blue) = rgb(index)
    var best = 0
    var bestDistance = Int.max
    for candidate in 0..<limit {
      let (r, g, b) = rgb(candidate)
      let distance = (r - red) * (r - red) + (g - green) * (g - green) + (b - blue) * (b - blue)
      if distance < bestDistance {
        best = candidate
        bestDistance = distance
      }
    }
    return best
  }

  /// xterm's palette, approximately.
  static func rgb(_ index: Int) -> (Int, Int, Int) {
    let basic = [
      (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
      (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
      (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    if index < 16 { return basic[index] }
    if index >= 232 {
      let level = 8 + (index - 232) * 10
      return (level, level, level)
    }
    let cube = index - 16
    let steps = [0, 95, 135, 175, 215, 255]
    return (steps[cube / 36], steps[(cube / 6) % 6], steps[cube % 6])
  }

  /// Used when no theme file can be found, so deadtop always starts.
  public static let builtInDefault: Theme = {
    // The same text as themes/default.theme.
    (try? parse(
      """
      header = white on 24 bold
      title = 117 bold
      column-header = black on 117
      banner = white on 160 bold
      selected = black on 153
      deadlock = 203 bold
      warning = 221
      dim = 245
      ended = 242
      key-name = black on 117
      key-label = default
      message = 221 bold
      border = 67
      good = 114
      """, defaultName: "default")) ?? Theme(name: "default", styles: [:])
  }()

  static let builtInMonochrome = Theme(
    name: "monochrome",
    styles: [
      .header: Style(attributes: [.reverse]), .title: Style(attributes: [.bold]),
      .columnHeader: Style(attributes: [.reverse]), .banner: Style(attributes: [.reverse, .bold]),
      .selected: Style(attributes: [.reverse]), .deadlock: Style(attributes: [.bold, .underline]),
      .warning: Style(attributes: [.bold]), .dim: Style(attributes: [.dim]),
      .ended: Style(attributes: [.dim]), .keyName: Style(attributes: [.reverse]),
      .message: Style(attributes: [.bold]),
    ])
}

extension Substring {
  func trimmingWhitespace() -> String {
    String(
      drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        .reversed())
  }
}
