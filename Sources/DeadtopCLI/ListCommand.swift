import ArgumentParser
import DeadtopCore
import DeadtopReader
import DeadtopSegment
import Foundation

/// `deadtop list`: the processes that publish a segment.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the processes that publish a deadtop segment.")

  @Flag(help: "Print the list as JSON.")
  var json = false

  @Flag(help: "Remove segments whose process is gone.")
  var clean = false

  struct Row: Codable {
    var pid: Int32
    var name: String
    var tasks: Int?
    var blocked: Int?
    var deadlocked: Bool?
    var deadlockedTasks: Int?
    /// `ok`, `stale`, `removed`, or the reason the segment could not be read.
    var status: String
  }

  func run() throws {
    var rows: [Row] = []
    for entry in SegmentDirectory.entries() {
      var row = Row(pid: entry.pid, name: commandName(of: entry.pid) ?? "?", status: "ok")
      do {
        let analysis = try SegmentSource(pid: entry.pid).confirmedAnalysis()
        row.name = analysis.snapshot.process.name
        row.tasks = analysis.snapshot.tasks.count
        row.blocked = analysis.snapshot.taskCount(.blocked)
        row.deadlocked = !analysis.deadlocks.isEmpty
        row.deadlockedTasks = analysis.deadlocked.count
      } catch AttachError.stale {
        row.status = "stale"
        if clean && unlink(entry.path) == 0 { row.status = "removed" }
      } catch {
        row.status = String(describing: error)
      }
      rows.append(row)
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      Output.standardOutput(String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n")
      return
    }
    guard !rows.isEmpty else {
      Output.standardOutput(
        "No process publishes a deadtop segment (\(SegmentName.pattern)).\n")
      return
    }
    var lines = [
      pad("PID", 8) + pad("NAME", 18) + pad("TASKS", 7) + pad("BLOCKED", 9) + "DEADLOCK"
    ]
    for row in rows {
      let verdict: String
      if row.status != "ok" {
        verdict = row.status
      } else if row.deadlocked == true {
        verdict = "YES (\(row.deadlockedTasks ?? 0) tasks)"
      } else {
        verdict = "no"
      }
      lines.append(
        pad("\(row.pid)", 8) + pad(row.name, 18) + pad(row.tasks.map(String.init) ?? "-", 7)
          + pad(row.blocked.map(String.init) ?? "-", 9) + verdict)
    }
    Output.standardOutput(lines.joined(separator: "\n") + "\n")
  }

  /// A column: cut with an ellipsis, then padded, so there is always a space between.
  private func pad(_ text: String, _ width: Int) -> String {
    text.fitted(to: width - 1).padded(to: width)
  }
}
