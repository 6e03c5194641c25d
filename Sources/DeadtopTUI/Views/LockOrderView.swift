import DeadtopCore

/// View 4: potential deadlocks predicted from lock order, then every order recorded.
enum LockOrderView {
  static func content(_ context: ViewContext) -> ViewContent {
    .text(lines(context), width: context.width, glyphs: context.glyphs, cursor: true)
  }

  static func lines(_ context: ViewContext) -> [ViewLine] {
    let snapshot = context.snapshot
    guard snapshot.process.source == .runtime else {
      return RuntimeOnly.lines("Lock order", "The Deadtop runtime records lock order")
    }
    var lines: [ViewLine] = []
    let potential = context.analysis.potentialDeadlocks
    if potential.isEmpty {
      lines.append(
        ViewLine("No potential deadlock: every pair of locks is always taken in the same order.", .good))
    }
    for (index, cycle) in potential.enumerated() {
      let description = TextReport.describe(cycle, number: index + 1)
      lines.append(ViewLine(description[0], cycle.happening == nil ? .warning : .deadlock))
      for (edge, text) in zip(cycle.edges, description.dropFirst()) {
        lines.append(ViewLine(text, subject: .task(edge.task)))
      }
      lines.append(ViewLine(""))
    }
    lines.append(ViewLine(""))
    let orders = snapshot.lockOrder.filter { !$0.isFact }
    lines.append(ViewLine("Orders recorded (\(orders.count)): holding → then taking", .title))
    for edge in orders {
      var line = "  \(edge.from.label) → \(edge.to.label)"
      if let site = edge.toSite { line += "   at \(site.file):\(site.line)" }
      lines.append(ViewLine(line, subject: .task(edge.task)))
    }
    return lines
  }
}

/// What a view that needs the runtime says of a process read through /proc.
enum RuntimeOnly {
  static func lines(_ title: String, _ what: String) -> [ViewLine] {
    [
      ViewLine(title, .title), ViewLine(""),
      ViewLine("\(what); a process read through /proc has none.", .dim),
    ]
  }
}
