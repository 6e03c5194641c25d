import DeadtopReader
import DemoScenarios

#if canImport(Glibc)
  import Glibc
#endif

/// Every demo `deadtop demo` offers: the runtime's scenarios (run by this binary) and
/// the programs without the runtime (`deadtop-plain-demo` in Swift, `deadtop-plain-c-demo`
/// in C, built beside this binary), which tell their own scenarios with `--catalog`.
struct DemoEntry: Sendable {
  enum Kind: Sendable, Equatable {
    case runtime
    /// A program that links no deadtop: read through /proc.
    case plain(executable: String)
  }
  let name: String
  let summary: String
  let kind: Kind
}

enum DemoCatalog {
  static let plainPrograms = ["deadtop-plain-demo", "deadtop-plain-c-demo"]

  static let all: [DemoEntry] =
    Scenarios.all.map { DemoEntry(name: $0.name, summary: $0.summary, kind: .runtime) } + plainEntries()

  static func named(_ name: String) -> DemoEntry? { all.first { $0.name == name } }

  /// The plain programs' scenarios, asked of the programs themselves (their one home).
  static func plainEntries() -> [DemoEntry] {
    plainPrograms.flatMap { program -> [DemoEntry] in
      let path = besideThisBinary(program)
      guard access(path, X_OK) == 0, let listed = try? Subprocess.run(path, ["--catalog"]), listed.status == 0
      else { return [] }
      return listed.output.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4 else { return nil }
        return DemoEntry(name: fields[0], summary: fields[1], kind: .plain(executable: path))
      }
    }
  }

  /// `deadtop demo --list`.
  static func list() -> String {
    let width = all.map(\.name.count).max() ?? 0
    let rows = all.map { entry in
      "  " + entry.name + String(repeating: " ", count: max(0, width - entry.name.count)) + "  "
        + entry.summary
    }
    var text = "scenarios (each also has a --fixed variant that finishes):\n" + rows.joined(separator: "\n")
    if !all.contains(where: { $0.kind != .runtime }) {
      text += "\n(the demos without the runtime are built with deadtop: swift build builds them)"
    }
    return text
  }
}

extension Subprocess {
  /// A plain demo program, kept alive after a fixed variant finishes (`--stay`), in its
  /// own process group like the runtime's scenarios.
  static func plainDemo(_ executable: String, name: String, fixed: Bool, capturesErrors: Bool) throws
    -> Subprocess
  {
    try Subprocess(
      executable: executable, arguments: [name, "--stay"] + (fixed ? ["--fixed"] : []), output: .pipe,
      errors: capturesErrors ? .mergedIntoOutput : .inherit, ownProcessGroup: true)
  }

  /// The child for a demo of either kind.
  static func demo(_ entry: DemoEntry, fixed: Bool, capturesErrors: Bool) throws -> Subprocess {
    switch entry.kind {
    case .runtime: try scenario(entry.name, fixed: fixed, capturesErrors: capturesErrors)
    case .plain(let executable):
      try plainDemo(executable, name: entry.name, fixed: fixed, capturesErrors: capturesErrors)
    }
  }
}
