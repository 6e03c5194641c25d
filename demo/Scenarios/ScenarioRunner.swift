#if canImport(Glibc)
  import Glibc
#endif

/// The standalone scenario runner: `deadtop-demo NAME [--fixed] [--stay]`, `--list`.
/// `deadtop demo` starts the same runner as a child process and attaches to it; the bug
/// corpus's `deadtop-corpus` is the same runner over its own scenarios.
public enum ScenarioRunner {
  public static func usage(_ command: String) -> String {
    """
    usage: \(command) NAME [--fixed] [--stay]
           \(command) --list

      --fixed   run the variant of the scenario that does not deadlock
      --stay    after the scenario returns, stay alive so deadtop can attach
    """
  }

  /// Line printed once a fixed variant has finished; `deadtop demo` waits for it.
  public static let finishedMarker = "scenario finished: no deadlock"

  /// Runs the command line and returns the exit status (a deadlocking scenario never returns).
  /// `banner`: how the first line names what runs (`deadtop demo abba — pid 42`).
  public static func main(
    _ arguments: [String], scenarios: [Scenario] = Scenarios.all, command: String = "deadtop-demo",
    banner: String = "deadtop demo"
  ) -> Int32 {
    let usage = usage(command)
    var name: String?
    var fixed = false
    var stay = false
    for argument in arguments {
      switch argument {
      case "--list", "-l":
        say(list(scenarios))
        return 0
      case "--help", "-h":
        say(usage)
        return 0
      case "--fixed": fixed = true
      case "--stay": stay = true
      default:
        if argument.hasPrefix("-") || name != nil {
          say("\(command): unexpected argument '\(argument)'\n\n\(usage)")
          return 1
        }
        name = argument
      }
    }
    guard let name else {
      say(usage + "\n\n" + list(scenarios))
      return 1
    }
    guard let scenario = scenarios.first(where: { $0.name == name }) else {
      say("\(command): no scenario named '\(name)'\n\n" + list(scenarios))
      return 1
    }
    let pid = getpid()
    say("\(banner) \(scenario.name)\(fixed ? " (fixed)" : "") — pid \(pid)")
    say("  " + (fixed ? scenario.fix : scenario.story))
    if let source = scenario.source { say("  ported from \(source)") }
    say("  attach from another terminal: deadtop --attach \(pid)")
    scenario.run(fixed: fixed)
    // A bug of the corpus returns with its leaked tasks still blocked, as a service that
    // leaked runs on; a demo's deadlocking variant never returns.
    say(
      fixed || scenario.onlyPredicted
        ? "\(scenario.name): \(finishedMarker)" : "\(scenario.name): returned, its stuck tasks left behind")
    if stay {
      while true { pause(milliseconds: 1000) }
    }
    return 0
  }

  public static func list(_ scenarios: [Scenario] = Scenarios.all) -> String {
    let width = scenarios.map(\.name.count).max() ?? 0
    let rows = scenarios.map { scenario in
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
