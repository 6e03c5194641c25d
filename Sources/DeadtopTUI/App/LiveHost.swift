import DeadtopCore

/// A key that the program hosting the live view adds (deadtop demo: back to the menu,
/// restart, run the fixed variant), with its key-bar label and its line in the help.
public struct HostCommand: Sendable, Equatable {
  public var key: Character
  public var label: String
  public var help: String

  public init(key: Character, label: String, help: String) {
    self.key = key
    self.label = label
    self.help = help
  }
}

/// A list the host offers in place of a process: deadtop demo's scenarios.
public struct Picker: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public var name: String
    public var summary: String
    public init(name: String, summary: String) {
      self.name = name
      self.summary = summary
    }
  }

  public var title: String
  public var subtitle: String
  public var entries: [Entry]
  /// What Enter does, for the key bar: `Run`.
  public var chooseLabel: String
  /// Keys that act on the selected entry (`f` runs the fixed variant).
  public var commands: [HostCommand]

  public init(title: String, subtitle: String, entries: [Entry], chooseLabel: String, commands: [HostCommand])
  {
    self.title = title
    self.subtitle = subtitle
    self.entries = entries
    self.chooseLabel = chooseLabel
    self.commands = commands
  }
}

/// What the host asks the live view to do after a command.
public enum HostOutcome {
  /// Watch this source; `title` goes in the header (`demo: abba (fixed)`).
  case attach(SnapshotSource, title: String)
  /// Stop watching and show the picker.
  case pick
  /// Say this on the message line.
  case message(String)
}

/// The program around the live view: it owns what the view must not know (which demo
/// runs, how to start one) and answers its keys.
public protocol LiveHost: AnyObject {
  /// Shown when there is no source yet, and after `.pick`.
  var picker: Picker? { get }
  /// Keys in the live view.
  var commands: [HostCommand] { get }
  /// Enter on picker entry `index`, or a picker command's key on it.
  func choose(_ index: Int, key: Character?) -> HostOutcome
  /// A live-view command's key.
  func perform(_ key: Character) -> HostOutcome
}
