import DeadtopCore

/// View 3: each deadlock as a chain of arrows, then its explanation step by step with
/// call sites, and the tasks blocked behind it. Enter opens the task of the selected line.
enum DeadlocksView {
  static func content(_ context: ViewContext) -> ViewContent {
    .text(lines(context), width: context.width, glyphs: context.glyphs, cursor: true)
  }

  static func lines(_ context: ViewContext) -> [ViewLine] {
    let analysis = context.analysis
    let groups = analysis.snapshot.process.source == .goDump ? Self.groups(context) : []
    guard !analysis.deadlocks.isEmpty || !analysis.starvedPools.isEmpty || !analysis.retryLeaks.isEmpty else {
      if !groups.isEmpty {
        return [
          ViewLine(
            "No deadlock proven: a goroutine dump names no lock's owner and no channel's users.", .warning),
          ViewLine(""),
        ] + groups
      }
      return [
        ViewLine("No deadlock.", .good), ViewLine(""),
        ViewLine("Every blocked task waits for something that can still happen.", .dim),
      ]
    }
    var lines: [ViewLine] = []
    for (index, deadlock) in analysis.deadlocks.enumerated() {
      lines += self.lines(
        of: Explanation(deadlock, number: index + 1, in: analysis), chain: chain(deadlock, context))
    }
    for starvation in analysis.starvedPools {
      lines += self.lines(of: Explanation(starvation, in: analysis), chain: nil)
    }
    for (index, leak) in analysis.retryLeaks.enumerated() {
      lines += self.lines(of: Explanation(leak, number: index + 1, in: analysis), chain: nil)
    }
    lines += groups
    return lines
  }

  /// A Go dump's blocked goroutines by where they wait; Enter opens the first of each.
  static func groups(_ context: ViewContext) -> [ViewLine] {
    let groups = context.analysis.blockedGroups
    guard !groups.isEmpty else { return [] }
    return [ViewLine("Blocked goroutines, by where they wait", .title)]
      + groups.map {
        ViewLine("  " + $0.describe(in: context.snapshot), subject: $0.tasks.first.map(Subject.task))
      }
  }

  /// A finding's steps, its chain at a glance under the heading.
  static func lines(of explanation: Explanation, chain: ViewLine?) -> [ViewLine] {
    var lines: [ViewLine] = []
    for step in explanation.steps {
      switch step {
      case .heading(let text, let task):
        lines.append(ViewLine(text, .deadlock, subject: task.map(Subject.task)))
        if let chain { lines.append(chain) }
      case .wait(let text, let task): lines.append(ViewLine("    " + text, subject: .task(task)))
      case .edge(let text, let task): lines.append(ViewLine("  → " + text, subject: .task(task)))
      case .section(let text): lines.append(ViewLine("  " + text, .title))
      case .reason(let text): lines.append(ViewLine("  " + text, .dim))
      }
    }
    lines.append(ViewLine(""))
    return lines
  }

  /// `[a] ─wants─▶ mutex "B" ─held by─▶ [b] ─receives from─▶ …`: the cycle at a glance,
  /// in the words of each primitive (Explanation.chain).
  static func chain(_ deadlock: Deadlock, _ context: ViewContext) -> ViewLine? {
    let steps = Explanation.chain(deadlock, in: context.analysis)
    guard let start = steps.first?.task else { return nil }
    let snapshot = context.snapshot
    let line = context.glyphs.horizontal
    let arrow = context.glyphs.arrow
    var chain = "  [\(snapshot.name(task: start))]"
    for step in steps {
      chain += " \(line)\(step.verb)\(line)\(arrow)"
      if let resource = step.resource, let link = step.link {
        chain += " \(resource) \(line)\(link)\(line)\(arrow)"
      }
      chain += " [\(snapshot.name(task: step.next))]"
    }
    return ViewLine(chain, .title, subject: .task(start))
  }
}
