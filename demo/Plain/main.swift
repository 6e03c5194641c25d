// Demos of deadlocks and hangs in Swift as it is written without deadtop: DispatchQueue,
// NSLock, `static let`, Task. This program links no deadtop; deadtop reads it through
// /proc. `deadtop demo` runs it, or run it yourself and attach from another terminal:
//
//   deadtop-plain-demo queue-abba        deadtop --attach PID
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let fixed = arguments.contains("--fixed")
let stay = arguments.contains("--stay")
let names = arguments.filter { !$0.hasPrefix("-") }

if arguments.contains("--catalog") {
  // For `deadtop demo`: one scenario per line, tab-separated.
  for scenario in plainScenarios {
    print([scenario.name, scenario.summary, scenario.story, scenario.fix].joined(separator: "\t"))
  }
  exit(0)
}
guard names.count == 1, let scenario = plainScenarios.first(where: { $0.name == names[0] }) else {
  print(
    "usage: deadtop-plain-demo NAME [--fixed] [--stay]\n\nscenarios (each also has a --fixed variant that finishes):"
  )
  for scenario in plainScenarios { print("  \(scenario.name)  \(scenario.summary)") }
  exit(names.isEmpty && arguments.contains("--list") ? 0 : 1)
}
let pid = getpid()
say(
  "deadtop demo \(scenario.name)\(fixed ? " (fixed)" : "") — pid \(pid) (no deadtop runtime: read through /proc)"
)
say("  " + (fixed ? scenario.fix : scenario.story))
say("  attach from another terminal: deadtop --attach \(pid)")
scenario.run(fixed)
say("\(scenario.name): scenario finished: no deadlock")
while stay { sleep(1) }
