import DeadtopCore
import Foundation

/// `--stacks`: the stack of every thread, from elfutils' eu-stack, which attaches with
/// ptrace for a moment (the process pauses while its stacks are read) and unwinds with
/// libdw.
public enum Stacks {
  public struct Unavailable: Error, CustomStringConvertible {
    public let description: String
  }

  public static func collect(pid: Int32) throws -> [Int32: [String]] {
    let tool = ["/usr/bin/eu-stack", "/usr/local/bin/eu-stack"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    guard let tool else {
      throw Unavailable(description: "--stacks needs eu-stack from elfutils (apt-get install elfutils)")
    }
    let outcome = try Subprocess.run(tool, ["-p", "\(pid)"], timeout: 30)
    let stacks = parse(outcome.output)
    if stacks.isEmpty {
      throw Unavailable(
        description:
          "eu-stack could not read process \(pid): ptrace needs root, or the same user with "
          + "kernel.yama.ptrace_scope = 0")
    }
    return stacks
  }

  /// Parses eu-stack's output: `TID n:` headers, then `#k 0xaddr function` lines.
  static func parse(_ text: String) -> [Int32: [String]] {
    var stacks: [Int32: [String]] = [:]
    var current: Int32?
    for line in text.split(separator: "\n") {
      if line.hasPrefix("TID "), let tid = Int32(line.dropFirst(4).prefix { $0.isNumber }) {
        current = tid
        stacks[tid] = []
      } else if let tid = current, line.hasPrefix("#") {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        // A Swift frame reads as its author wrote it (`Registry.init()`), not mangled.
        let function = words.count >= 3 ? words.dropFirst(2).joined(separator: " ") : String(line)
        stacks[tid]?.append(SwiftSymbols.readable(function))
      }
    }
    return stacks
  }

  /// The snapshot with each thread's stack filled in.
  public static func attach(_ stacks: [Int32: [String]], to snapshot: Snapshot) -> Snapshot {
    var result = snapshot
    result.tasks = snapshot.tasks.map { task in
      var task = task
      task.stack = stacks[task.osThreadID] ?? []
      return task
    }
    return result
  }
}
