#if canImport(Glibc)
  import Glibc
#endif

/// The standalone scenario runner: `deadtop-demo NAME [--fixed] [--stay]`, `--list`.
/// `deadtop demo` starts the same runner as a child process and attaches to it.
public enum ScenarioRunner {
  public static let usage = """
    usage: deadtop-demo NAME [--fixed] [--stay]
           deadtop-demo --list

      --fixed   run the variant of the scenario that does not deadlock
      --stay    after a fixed variant finishes, stay alive so deadtop can attach
    """

  /// Line printed once a fixed variant has finished; `deadtop demo` waits for it.
  public static let finishedMarker = "scenario finished: no deadlock"

  /// Runs the command line and returns the exit status (a deadlocking scenario never returns).
  public static func main(_ arguments: [String]) -> Int32 {
    var name: String?
    var fixed = false
    var stay = false
    for argument in arguments {
      switch argument {
      case "--list", "-l":
        say(list())
        return 0
      case "--help", "-h":
        say(usage)
        return 0
      case "--fixed": fixed = true
      case "--stay": stay = true
      default:
        if argument.hasPrefix("-") || name != nil {
          say("deadtop-demo: unexpected argument '\(argument)'\n\n\(usage)")
          return 1
        }
        name = argument
      }
    }
    guard let name else {
      say(usage + "\n\n" + list())
      return 1
    }
    guard let scenario = Scenarios.named(name) else {
      say("deadtop-demo: no scenario named '\(name)'\n\n" + list())
      return 1
    }
    let pid = getpid()
    say("deadtop demo \(scenario.name)\(fixed ? " (fixed)" : "") — pid \(pid)")
    say("  " + (fixed ? scenario.fix : scenario.story))
    say("  attach from another terminal: deadtop --attach \(pid)")
    scenario.run(fixed: fixed)
    say("\(scenario.name): \(finishedMarker)")
    if stay {
      while true { pause(milliseconds: 1000) }
    }
    return 0
  }

  public static func list() -> String {
    let width = Scenarios.all.map(\.name.count).max() ?? 0
    let rows = Scenarios.all.map { scenario in
      "  " + scenario.name.padding(toLength: width) + "  " + scenario.summary
    }
    return "scenarios (each also has a --fixed variant that finishes):\n"
      + rows.joined(separator: "\n")
  }
}

extension String {
  func padding(toLength length: Int) -> String {
    count >= length ? self : self + String(repeating: " ", count: length - count)
  }
}
