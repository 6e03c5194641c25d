import DeadtopCore

/// Enter on a row: everything about one task or lock, every hold and wait with its call
/// site. Its lines open what they name (a holder, a waiter, a parent), k9s-style; Esc
/// goes back one.
enum DetailView {
  static func content(_ subject: Subject, _ context: ViewContext) -> ViewContent {
    let lines =
      switch subject {
      case .task(let id): task(id, context)
      case .resource(let id): resource(id, context)
      }
    return .text(lines, width: context.width, glyphs: context.glyphs, cursor: true)
  }

  static func task(_ id: TaskID, _ context: ViewContext) -> [ViewLine] {
    let analysis = context.analysis
    let snapshot = context.snapshot
    guard let task = snapshot.task(id) else { return [ViewLine("Task \(id) is gone.", .dim)] }
    var lines = [ViewLine(snapshot.label(task: id), .title)]
    for fact in TaskFacts(task, in: analysis).lines {
      let text = "  " + (fact.label?.heading ?? "") + fact.text
      lines.append(ViewLine(text, subject: fact.subject))
    }
    lines.append(ViewLine("  state:   \(task.state.rawValue)\(task.stale ? " (stale copy)" : "")"))
    if task.osThreadID != 0 { lines.append(ViewLine("  thread:  tid \(task.osThreadID)")) }
    if let parent = task.parent {
      lines.append(ViewLine("  parent:  \(snapshot.label(task: parent))", subject: .task(parent)))
    }
    if task.createdAtNanoseconds > 0 {  // unknown for a task its source could not date
      lines.append(
        ViewLine("  started: \(formatDuration(snapshot.seconds(since: task.createdAtNanoseconds))) ago"))
    }
    if let requirement = analysis.requirements[id], !requirement.tasks.isEmpty {
      lines.append(ViewLine("  needs \(requirement.mode == .all ? "all of" : "any of"):"))
      for other in requirement.tasks {
        lines.append(ViewLine("    \(snapshot.label(task: other))", subject: .task(other)))
      }
    }
    if !task.stack.isEmpty {
      lines.append(ViewLine("  stack:"))
      lines += task.stack.map { ViewLine("    " + $0, .dim) }
    }
    if analysis.deadlocked.contains(id) {
      lines.append(ViewLine(""))
      lines.append(
        ViewLine("  \(context.glyphs.marker) DEADLOCKED: it can never proceed. See view 3.", .deadlock))
    }
    if analysis.retryLeaks.contains(where: { $0.task == id }) {
      lines.append(ViewLine(""))
      lines.append(
        ViewLine(
          "  \(context.glyphs.marker) LEAKED: it retries forever, and nothing else can end its wait. See view 3.",
          .warning))
    }
    return lines
  }

  static func resource(_ id: ResourceID, _ context: ViewContext) -> [ViewLine] {
    let analysis = context.analysis
    let snapshot = context.snapshot
    guard let resource = snapshot.resource(id) else { return [ViewLine("Resource \(id) is gone.", .dim)] }
    var lines = [ViewLine(snapshot.label(resource: id), .title)]
    if let site = resource.site { lines.append(ViewLine("  created at \(site.description)")) }
    if let state = snapshot.describeState(of: resource) { lines.append(ViewLine("  state: \(state)")) }
    if resource.kind.isSynchronizer && resource.kind != .semaphore {
      let title = resource.listsMembers ? "members" : "used by"
      let more = resource.unlistedUsers ? ", and more" : ""
      lines.append(ViewLine("  \(title): \(resource.users.isEmpty ? "none" : "")\(more)"))
      for user in resource.users {
        lines.append(
          ViewLine("    \(snapshot.label(task: user))\(resource.wayUsed(by: user))", subject: .task(user)))
      }
    }
    if let references = resource.references {
      lines.append(ViewLine("  references outside the runtime: \(references)"))
    }
    let holders = analysis.holders(of: resource)
    lines.append(ViewLine("  holders: \(holders.isEmpty ? "none" : "")"))
    for holder in holders {
      var text = "    \(snapshot.label(task: holder.task))"
      if resource.kind == .rwMutex { text += holder.hold.mode == .shared ? " (read)" : " (write)" }
      if let site = holder.hold.site { text += ", acquired at \(site.description)" }
      let role: Role = analysis.deadlocked.contains(holder.task) ? .deadlock : .normal
      lines.append(ViewLine(text, role, subject: .task(holder.task)))
    }
    let waiters = analysis.waiters[id] ?? []
    lines.append(ViewLine("  waiters: \(waiters.isEmpty ? "none" : "")"))
    for waiter in waiters {
      guard let wait = snapshot.task(waiter)?.wait else { continue }
      var text =
        "    \(snapshot.label(task: waiter)) wants \(wait.kind.rawValue) for "
        + snapshot.waited(wait)
      if let site = wait.site { text += ", at \(site.description)" }
      let role: Role = analysis.deadlocked.contains(waiter) ? .deadlock : .normal
      lines.append(ViewLine(text, role, subject: .task(waiter)))
    }
    return lines
  }
}
