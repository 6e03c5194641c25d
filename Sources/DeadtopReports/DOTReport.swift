import DeadtopCore

/// The wait-for graph as Graphviz DOT: tasks are boxes, locks are ellipses, a task
/// points at the lock it waits for and a lock at its holders. Deadlocked parts are red.
public enum DOTReport {
  public static func render(_ analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    let inDeadlock = analysis.deadlocked
    var deadlockedResources = Set<ResourceID>()
    for deadlock in analysis.deadlocks {
      deadlockedResources.formUnion(analysis.resources(of: deadlock))
    }
    var lines = [
      "digraph deadtop {",
      "  label=\(quote(TextReport.headline(snapshot)));",
      "  rankdir=LR;",
      "  node [fontname=\"monospace\"];",
    ]
    for task in snapshot.tasks {
      let style = inDeadlock.contains(task.id) ? ", color=red, fontcolor=red, penwidth=2" : ""
      let ended = task.state == .ended ? ", style=dashed" : ""
      lines.append(
        "  t\(task.id) [shape=box, label=\(quote("\(task.name)\n\(task.state.rawValue)"))\(style)\(ended)];"
      )
    }
    for resource in snapshot.resources {
      let style = deadlockedResources.contains(resource.id) ? ", color=red, fontcolor=red" : ""
      lines.append(
        "  r\(resource.id) [shape=ellipse, label=\(quote(snapshot.label(resource: resource.id)))\(style)];"
      )
    }
    for task in snapshot.tasks {
      guard let wait = task.wait else { continue }
      let red = inDeadlock.contains(task.id) ? ", color=red" : ""
      switch wait.target {
      case .resource:
        // A select names its channels in its cases: one edge per channel it waits on.
        for resource in wait.resources where snapshot.resource(resource) != nil {
          let operation = wait.cases.first { $0.resource == resource }.map {
            $0.operation == .send ? "send" : "receive"
          }
          let label = operation.map { "select \($0)" } ?? "waits \(wait.kind.rawValue)"
          lines.append("  t\(task.id) -> r\(resource) [label=\(quote(label))\(red)];")
        }
      case .task(let other):
        lines.append("  t\(task.id) -> t\(other) [label=\"joins\"\(red)];")
      }
    }
    for (resource, holders) in analysis.holders.sorted(by: { $0.key < $1.key }) {
      for holder in holders {
        let red =
          deadlockedResources.contains(resource) && inDeadlock.contains(holder.task)
          ? ", color=red" : ""
        lines.append("  r\(resource) -> t\(holder.task) [label=\"held by\"\(red)];")
      }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  static func quote(_ text: String) -> String {
    var escaped = ""
    for character in text {
      switch character {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      default: escaped.append(character)
      }
    }
    return "\"\(escaped)\""
  }
}
