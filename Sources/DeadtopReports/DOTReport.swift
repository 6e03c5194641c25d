import DeadtopCore

/// The wait-for graph as Graphviz DOT: tasks are boxes, locks and channels ellipses, a
/// task points at what it waits for and a lock at its holders. Titled with the verdict.
/// A deadlock's cycle is drawn red and bold and, as circo lays it out, as a ring; the
/// tasks blocked behind it are orange and dashed, apart from the cycle itself.
public enum DOTReport {
  public static func render(_ analysis: Analysis) -> String {
    let snapshot = analysis.snapshot
    let onCycle = Set(analysis.deadlocks.flatMap { $0.cycleTasks + $0.otherMembers + $0.endedHolders })
    let behind = Set(analysis.deadlocks.flatMap(\.blockedBehind))
    var deadlockedResources = Set<ResourceID>()
    for deadlock in analysis.deadlocks {
      deadlockedResources.formUnion(analysis.resources(of: deadlock))
    }
    let hasCycle = analysis.deadlocks.contains { !$0.cycleTasks.isEmpty }
    var lines = [
      "digraph deadtop {",
      "  label=\(quote((TextReport.verdict(analysis) + [TextReport.headline(snapshot)]).joined(separator: "\n")));",
      "  labelloc=t;",
      // A cycle reads as a ring (circo); a process without one as a left-to-right flow.
      hasCycle ? "  layout=circo; mindist=1.2;" : "  rankdir=LR;",
      "  node [fontname=\"monospace\"];",
    ]
    for task in snapshot.tasks {
      let style =
        onCycle.contains(task.id)
        ? ", color=red, fontcolor=red, penwidth=2"
        : behind.contains(task.id) ? ", color=orange, fontcolor=darkorange, style=dashed" : ""
      let ended = task.state == .ended && !behind.contains(task.id) ? ", style=dashed" : ""
      lines.append(
        "  t\(task.id) [shape=box, label=\(quote("\(task.name)\n\(task.state.rawValue)"))\(style)\(ended)];")
    }
    for resource in snapshot.resources {
      let style = deadlockedResources.contains(resource.id) ? ", color=red, fontcolor=red" : ""
      lines.append(
        "  r\(resource.id) [shape=ellipse, label=\(quote(snapshot.label(resource: resource.id)))\(style)];")
    }
    for task in snapshot.tasks {
      guard let wait = task.wait else { continue }
      let color =
        onCycle.contains(task.id)
        ? ", color=red, penwidth=2" : behind.contains(task.id) ? ", color=orange" : ""
      switch wait.target {
      case .resource:
        // A select names its channels in its cases: one edge per channel it waits on.
        for resource in wait.resources where snapshot.resource(resource) != nil {
          let operation = wait.cases.first { $0.resource == resource }.map {
            $0.operation == .send ? "send" : "receive"
          }
          let label = operation.map { "select \($0)" } ?? Explanation.verb(of: wait.kind)
          lines.append("  t\(task.id) -> r\(resource) [label=\(quote(label))\(color)];")
        }
      case .task(let other):
        lines.append("  t\(task.id) -> t\(other) [label=\"joins\"\(color)];")
      }
    }
    for (resource, holders) in analysis.holders.sorted(by: { $0.key < $1.key }) {
      for holder in holders {
        let red =
          deadlockedResources.contains(resource) && onCycle.contains(holder.task)
          ? ", color=red, penwidth=2" : ""
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
