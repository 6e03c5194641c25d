import DeadtopCore

/// Everything a frame shows besides the user's state: the latest analysis and the
/// facts about the session.
public struct Frame: Sendable {
  public struct MenuEntry: Sendable, Equatable {
    public var name: String
    public var summary: String
    public init(name: String, summary: String) {
      self.name = name
      self.summary = summary
    }
  }

  public var analysis: Analysis?
  public var refreshMilliseconds: Int
  /// Set when the process has exited: the view keeps the last snapshot and says so.
  public var exitedNote: String?
  /// `abba` or `abba (fixed)` while a demo runs.
  public var demoTitle: String?
  public var menu: [MenuEntry]
  public var longWaitSeconds: Double
  public var glyphs: Glyphs

  public init(
    analysis: Analysis?, refreshMilliseconds: Int = 500, exitedNote: String? = nil,
    demoTitle: String? = nil, menu: [MenuEntry] = [], longWaitSeconds: Double = 5,
    glyphs: Glyphs = .unicode
  ) {
    self.analysis = analysis
    self.refreshMilliseconds = refreshMilliseconds
    self.exitedNote = exitedNote
    self.demoTitle = demoTitle
    self.menu = menu
    self.longWaitSeconds = longWaitSeconds
    self.glyphs = glyphs
  }
}

/// Renders a state and a frame into a screen. Pure: the same inputs give the same cells.
public enum Renderer {
  public static let minimumWidth = 40
  public static let minimumHeight = 10
  /// Rows above the content: title, counts, banner, tabs, column header.
  static let headerRows = 5

  public static func render(_ state: AppState, _ frame: Frame, width: Int, height: Int) -> Screen {
    var screen = Screen(width: width, height: height)
    guard width >= minimumWidth, height >= minimumHeight else {
      let lines = [
        "Terminal too small: \(width)x\(height)", "deadtop needs \(minimumWidth)x\(minimumHeight)", "q quits",
      ]
      for (index, line) in lines.enumerated() where index < height {
        screen.put(line, column: 0, row: index, role: index == 0 ? .warning : .normal)
      }
      return screen
    }
    if state.inMenu {
      drawMenu(&screen, state, frame)
    } else if let analysis = frame.analysis {
      drawHeader(&screen, state, frame, analysis)
      if state.showingHelp {
        drawHelp(&screen, frame)
      } else if let detail = state.detail {
        drawLines(
          &screen, detailLines(detail, analysis, frame), scroll: state.detailScroll, top: 4,
          glyphs: frame.glyphs)
      } else {
        drawView(&screen, state, frame, analysis)
      }
    } else {
      screen.put("Waiting for the first snapshot…", column: 1, row: 1, role: .dim)
    }
    drawKeyBar(&screen, state, frame)
    if frame.glyphs.horizontal == "-" { screen.replaceNonASCII(using: frame.glyphs) }
    return screen
  }

  /// Selectable rows in the current view, and rows on screen, for `update`.
  public static func rowCount(_ state: AppState, _ frame: Frame, width: Int) -> Int {
    if state.inMenu { return frame.menu.count }
    guard let analysis = frame.analysis else { return 0 }
    if let detail = state.detail { return wrap(detailLines(detail, analysis, frame), width: width).count }
    switch state.view {
    case .tasks: return Rows.taskOrder(analysis, state: state, longWaitSeconds: frame.longWaitSeconds).count
    case .resources: return Rows.resources(analysis, state: state).count
    case .deadlocks: return wrap(deadlockLines(analysis, frame), width: width).count
    case .lockOrder: return wrap(lockOrderLines(analysis), width: width).count
    case .schedtrace: return wrap(schedtraceLines(analysis), width: width).count
    case .events: return wrap(eventLines(analysis, state), width: width).count
    }
  }

  public static func pageSize(height: Int) -> Int { max(1, height - headerRows - 2) }

  /// What Enter opens on the current row.
  public static func detailTarget(_ state: AppState, _ frame: Frame) -> AppState.Detail? {
    guard let analysis = frame.analysis else { return nil }
    switch state.view {
    case .tasks:
      let order = Rows.taskOrder(analysis, state: state, longWaitSeconds: frame.longWaitSeconds)
      return order.indices.contains(state.selected(.tasks)) ? .task(order[state.selected(.tasks)]) : nil
    case .resources:
      let rows = Rows.resources(analysis, state: state)
      return rows.indices.contains(state.selected(.resources))
        ? .resource(rows[state.selected(.resources)].id) : nil
    case .deadlocks:
      return analysis.deadlocks.first?.cycleTasks.first.map { .task($0) }
    default: return nil
    }
  }

  // MARK: Header

  static func drawHeader(_ screen: inout Screen, _ state: AppState, _ frame: Frame, _ analysis: Analysis) {
    let snapshot = analysis.snapshot
    let width = screen.width
    screen.paint(row: 0, role: .header)
    var title = " deadtop  \(snapshot.process.name) (pid \(snapshot.process.pid))"
    if let demo = frame.demoTitle { title += "  demo: \(demo)" }
    title += "  up \(formatDuration(snapshot.uptimeSeconds))  refresh \(frame.refreshMilliseconds)ms"
    if snapshot.process.source == .proc { title += "  source: /proc" }
    screen.put(title, column: 0, row: 0, role: .header)
    if state.paused {
      let paused = " PAUSED "
      screen.put(paused, column: width - paused.count, row: 0, role: .banner)
    }

    let counts = TaskState.allCases.map { "\(snapshot.taskCount($0)) \($0.rawValue)" }
    var summary =
      " Tasks: \(snapshot.tasks.count) (" + counts.joined(separator: ", ")
      + ")  Resources: \(snapshot.resources.count)"
    if let latest = snapshot.schedtrace.last {
      // The latest scheduler record: what happened in the last interval.
      summary +=
        "  last \(formatDuration(Double(latest.intervalNanoseconds) / 1e9)): acquired \(latest.acquisitions), "
        + "contended \(latest.contended), blocked \(latest.blocks)"
    } else {
      summary +=
        "  acquired \(snapshot.counters.acquisitions), contended \(snapshot.counters.contended), "
        + "blocked \(snapshot.counters.blocks)"
    }
    screen.put(summary.fitted(to: width, glyphs: frame.glyphs), column: 0, row: 1)

    if let exited = frame.exitedNote {
      screen.paint(row: 2, role: .warning)
      screen.put(" " + exited, column: 0, row: 2, role: .warning)
    } else if !analysis.deadlocks.isEmpty {
      screen.paint(row: 2, role: .banner)
      let certain = analysis.deadlocks.filter { $0.certainty == .certain }.count
      let likely = analysis.deadlocks.count - certain
      var banner =
        " \(frame.glyphs.marker) DEADLOCK: \(analysis.deadlocks.count) found (\(certain) certain"
        + (likely > 0 ? ", \(likely) likely" : "") + "), "
        + (analysis.deadlocked.count == 1 ? "1 task stuck" : "\(analysis.deadlocked.count) tasks stuck")
      banner += analysis.isGlobal ? ": every task is blocked" : ": others run on"
      if state.view != .deadlocks { banner += "  [3] explains it" }
      screen.put(banner.fitted(to: width, glyphs: frame.glyphs), column: 0, row: 2, role: .banner)
    } else {
      screen.put(" No deadlock.", column: 0, row: 2, role: .good)
    }

    // Sparklines of the recent intervals at the right of the verdict row, when they fit.
    let recent = snapshot.schedtrace.suffix(16)
    if recent.count >= 2 {
      let rate = recent.map { Double($0.acquisitions) / max(1e-9, Double($0.intervalNanoseconds) / 1e9) }
      let sparks =
        "acq/s " + sparkline(rate, glyphs: frame.glyphs) + " blocked "
        + sparkline(recent.map { Double($0.blocked) }, glyphs: frame.glyphs) + " "
      let used = screen.line(2).count
      if used + sparks.count + 2 <= width {
        screen.put(sparks, column: width - sparks.count, row: 2, role: screen.cell(column: 0, row: 2).role)
      }
    }

    var column = 0
    for view in ViewKind.allCases {
      let label = " \(view.rawValue) \(width < 100 ? view.shortTitle : view.title) "
      column = screen.put(label, column: column, row: 3, role: view == state.view ? .columnHeader : .title)
      column += 1
    }
    if state.editingFilter || !state.filter.isEmpty {
      let filter = " /" + state.filter + (state.editingFilter ? "_" : "")
      // The filter wins over the tabs when both do not fit.
      screen.put(filter, column: max(0, width - filter.count - 1), row: 3, role: .message)
    }
  }

  // MARK: Views

  static func drawView(_ screen: inout Screen, _ state: AppState, _ frame: Frame, _ analysis: Analysis) {
    switch state.view {
    case .tasks: drawTasks(&screen, state, frame, analysis)
    case .resources: drawResources(&screen, state, frame, analysis)
    case .deadlocks:
      drawLines(
        &screen, deadlockLines(analysis, frame), scroll: state.selected(.deadlocks), top: 4,
        glyphs: frame.glyphs)
    case .lockOrder:
      drawLines(
        &screen, lockOrderLines(analysis), scroll: state.selected(.lockOrder), top: 4, glyphs: frame.glyphs)
    case .schedtrace:
      drawLines(
        &screen, schedtraceLines(analysis), scroll: state.selected(.schedtrace), top: 4, glyphs: frame.glyphs)
    case .events:
      drawLines(
        &screen, eventLines(analysis, state), scroll: state.selected(.events), top: 4, glyphs: frame.glyphs)
    }
  }

  static func runtimeOnly(_ title: String, _ what: String) -> [(String, Role)] {
    [
      (title, .title), ("", .normal),
      ("\(what) comes from the Deadtop runtime; a process read through /proc has none.", .dim),
    ]
  }

  /// The sampler's records, newest first.
  static func schedtraceLines(_ analysis: Analysis) -> [(String, Role)] {
    let snapshot = analysis.snapshot
    guard snapshot.process.source == .runtime else { return runtimeOnly("Schedtrace", "The scheduler trace") }
    guard !snapshot.schedtrace.isEmpty else {
      return [
        ("Schedtrace", .title), ("", .normal),
        (
          "No record yet: the runtime's sampler writes one per interval (DEADTOP_SCHEDTRACE_MS, 1 s by default).",
          .dim
        ),
      ]
    }
    return [("Schedtrace, newest first (\(snapshot.schedtrace.count) records)", .title)]
      + snapshot.schedtrace.reversed().map { ($0.line, $0.blocked > 0 ? .normal : .dim) }
  }

  /// The recent events, newest first, narrowed by the filter.
  static func eventLines(_ analysis: Analysis, _ state: AppState) -> [(String, Role)] {
    let snapshot = analysis.snapshot
    guard snapshot.process.source == .runtime else { return runtimeOnly("Events", "The event timeline") }
    let needle = state.filter.lowercased()
    let lines = snapshot.events.reversed().map { snapshot.describe(event: $0) }
      .filter { needle.isEmpty || $0.lowercased().contains(needle) }
    guard !lines.isEmpty else {
      return [
        ("Events", .title), ("", .normal),
        (needle.isEmpty ? "No event yet." : "No event matches /\(state.filter)", .dim),
      ]
    }
    return [("Events, newest first (\(lines.count) of \(snapshot.events.count)); / filters", .title)]
      + lines.map { line in (line, line.contains("  block ") ? .warning : .normal) }
  }

  /// One block character per record, scaled to the largest value.
  static func sparkline(_ values: [Double], glyphs: Glyphs) -> String {
    let blocks =
      glyphs.horizontal == "-"
      ? [".", ":", "-", "=", "+", "*", "#", "@"]
      : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let top = values.max() ?? 0
    return values.map { value in
      top > 0 ? blocks[min(blocks.count - 1, Int(value / top * Double(blocks.count - 1)))] : blocks[0]
    }.joined()
  }

  struct Column {
    let title: String
    let width: Int
    let sort: SortColumn?
  }

  /// Fixed columns keep their width; flexible ones share what is left, in proportion.
  static func layout(
    _ fixed: [(String, Int, SortColumn?)], flexible: [(String, Int, SortColumn?)], width: Int
  )
    -> [Column]
  {
    let used = fixed.reduce(0) { $0 + $1.1 + 1 }
    let left = max(0, width - used)
    let shares = flexible.reduce(0) { $0 + $1.1 }
    var columns = fixed.map { Column(title: $0.0, width: $0.1, sort: $0.2) }
    var given = 0
    for (index, column) in flexible.enumerated() {
      let share =
        index == flexible.count - 1 ? max(0, left - given - flexible.count) : left * column.1 / max(1, shares)
      given += share
      columns.append(Column(title: column.0, width: share, sort: column.2))
    }
    return columns
  }

  static func drawColumnHeader(
    _ screen: inout Screen, _ columns: [Column], _ state: AppState, _ glyphs: Glyphs
  ) {
    screen.paint(row: 4, role: .columnHeader)
    var x = 0
    for column in columns {
      var title = column.title
      if column.sort == state.sort { title += state.sortDescending ? glyphs.up : glyphs.down }
      screen.put(title, column: x, row: 4, role: .columnHeader, limit: column.width)
      x += column.width + 1
    }
  }

  static func drawTasks(_ screen: inout Screen, _ state: AppState, _ frame: Frame, _ analysis: Analysis) {
    let order = Rows.taskOrder(analysis, state: state, longWaitSeconds: frame.longWaitSeconds)
    let width = screen.width
    let narrow = width < 100
    var fixed: [(String, Int, SortColumn?)] = [(" ", 1, nil), ("ID", 4, .id)]
    if !narrow { fixed.append(("TID", 7, nil)) }
    fixed += [("NAME", narrow ? 14 : 16, .name), ("STATE", 7, .state), ("FOR", 6, .wait)]
    let flexible: [(String, Int, SortColumn?)] =
      narrow
      ? [("WAITING FOR", 6, nil), ("HOLDS", 4, .holds)]
      : [("WAITING FOR", 5, nil), ("HOLDS", 3, .holds), ("SITE", 3, nil)]
    let columns = layout(fixed, flexible: flexible, width: width)
    drawColumnHeader(&screen, columns, state, frame.glyphs)
    let page = pageSize(height: screen.height)
    let selected = min(state.selected(.tasks), max(0, order.count - 1))
    let first = max(0, selected - page + 1)
    for (offset, id) in order.dropFirst(first).prefix(page).enumerated() {
      let row = Rows.taskRow(id, analysis, longWaitSeconds: frame.longWaitSeconds)
      let y = headerRows + offset
      let role: Role =
        row.deadlocked ? .deadlock : row.longWait ? .warning : row.ended ? .ended : .normal
      var cells = [row.deadlocked ? frame.glyphs.marker : " ", "\(row.id)"]
      if !narrow { cells.append(row.tid) }
      cells += [
        row.name, row.state, row.waitSeconds.map(formatDuration) ?? "", row.wait, row.holds,
      ]
      if !narrow { cells.append(row.site) }
      drawCells(&screen, cells, columns, y: y, role: role, glyphs: frame.glyphs)
      if first + offset == selected { screen.paint(row: y, role: .selected) }
    }
    if order.isEmpty {
      screen.put(
        state.filter.isEmpty ? "No tasks." : "No task matches /\(state.filter)", column: 1, row: headerRows,
        role: .dim)
    }
  }

  static func drawResources(_ screen: inout Screen, _ state: AppState, _ frame: Frame, _ analysis: Analysis) {
    let rows = Rows.resources(analysis, state: state)
    // Narrow screens fold the state into the holders column (a lock's holders, or a
    // channel's buffer, a WaitGroup's counter) and leave out the creation site.
    let narrow = screen.width < 100
    let columns = layout(
      [(" ", 1, nil), ("ID", 4, .id), ("KIND", 9, .state), ("NAME", 16, .name)],
      flexible: narrow
        ? [("HOLDERS", 3, .holds), ("WAITERS", 3, nil), ("WAITED", 1, .wait)]
        : [
          ("STATE", 3, nil), ("HOLDERS", 3, .holds), ("WAITERS", 3, nil), ("WAITED", 1, .wait),
          ("CREATED AT", 2, nil),
        ],
      width: screen.width)
    drawColumnHeader(&screen, columns, state, frame.glyphs)
    let page = pageSize(height: screen.height)
    let selected = min(state.selected(.resources), max(0, rows.count - 1))
    let first = max(0, selected - page + 1)
    for (offset, row) in rows.dropFirst(first).prefix(page).enumerated() {
      let y = headerRows + offset
      let cells =
        [row.inDeadlock ? frame.glyphs.marker : " ", "\(row.id)", row.kind, row.name]
        + (narrow ? [row.holders.isEmpty ? row.state : row.holders] : [row.state, row.holders])
        + [row.waiters, row.contended == 0 ? "" : "\(formatDuration(row.waitedSeconds)) (\(row.contended))"]
        + (narrow ? [] : [row.site])
      drawCells(
        &screen, cells, columns, y: y, role: row.inDeadlock ? .deadlock : .normal, glyphs: frame.glyphs)
      if first + offset == selected { screen.paint(row: y, role: .selected) }
    }
    if rows.isEmpty {
      screen.put(
        state.filter.isEmpty ? "No resources." : "No resource matches /\(state.filter)", column: 1,
        row: headerRows,
        role: .dim)
    }
  }

  static func drawCells(
    _ screen: inout Screen, _ cells: [String], _ columns: [Column], y: Int, role: Role, glyphs: Glyphs
  ) {
    var x = 0
    for (text, column) in zip(cells, columns) {
      screen.put(text.fitted(to: column.width, glyphs: glyphs), column: x, row: y, role: role)
      x += column.width + 1
    }
  }

  /// Each deadlock as a chain of arrows, then spelled out with call sites.
  static func deadlockLines(_ analysis: Analysis, _ frame: Frame) -> [(String, Role)] {
    guard !analysis.deadlocks.isEmpty else {
      return [
        ("No deadlock.", .good), ("", .normal),
        ("Every blocked task waits for something that can still happen.", .dim),
      ]
    }
    let snapshot = analysis.snapshot
    let line = frame.glyphs.horizontal
    let arrow = frame.glyphs.arrow
    var lines: [(String, Role)] = []
    for (index, deadlock) in analysis.deadlocks.enumerated() {
      let description = TextReport.describe(deadlock, number: index + 1, in: analysis)
      lines.append((description[0], .deadlock))
      if !deadlock.cycleTasks.isEmpty {
        var chain = "  [\(snapshot.name(task: deadlock.cycleTasks[0]))]"
        for (position, task) in deadlock.cycleTasks.enumerated() {
          let next = deadlock.cycleTasks[(position + 1) % deadlock.cycleTasks.count]
          let resource =
            analysis.edge(from: task, to: next)?.resource.map { snapshot.label(resource: $0) } ?? "join"
          chain +=
            " \(line)wants\(line)\(arrow) \(resource) \(line)held by\(line)\(arrow) [\(snapshot.name(task: next))]"
        }
        lines.append((chain, .title))
      }
      lines += description.dropFirst().map { ($0, .normal) }
      lines.append(("", .normal))
    }
    return lines
  }

  /// Potential deadlocks from lock order, then every order recorded.
  static func lockOrderLines(_ analysis: Analysis) -> [(String, Role)] {
    let snapshot = analysis.snapshot
    guard snapshot.process.source == .runtime else {
      return [
        ("Lock order", .title), ("", .normal),
        ("The Deadtop runtime records lock order; a process read through /proc has none.", .dim),
      ]
    }
    var lines: [(String, Role)] = []
    let potential = analysis.potentialDeadlocks
    if potential.isEmpty {
      lines.append(("No potential deadlock: every pair of locks is always taken in the same order.", .good))
    }
    for (index, cycle) in potential.enumerated() {
      let description = TextReport.describe(cycle, number: index + 1)
      lines.append((description[0], .warning))
      lines += description.dropFirst().map { ($0, .normal) }
      lines.append(("", .normal))
    }
    lines.append(("", .normal))
    lines.append(("Orders recorded (\(snapshot.lockOrder.count)): holding → then taking", .title))
    for edge in snapshot.lockOrder {
      var line = "  \(edge.from.label) → \(edge.to.label)"
      if let site = edge.toSite { line += "   at \(site.file):\(site.line)" }
      lines.append((line, .normal))
    }
    return lines
  }

  static func detailLines(_ detail: AppState.Detail, _ analysis: Analysis, _ frame: Frame) -> [(String, Role)]
  {
    let snapshot = analysis.snapshot
    switch detail {
    case .task(let id):
      guard let task = snapshot.task(id) else { return [("Task \(id) is gone.", .dim)] }
      var lines: [(String, Role)] = [(snapshot.label(task: id), .title)]
      lines += TextReport.describe(task: task, in: analysis).dropFirst().map {
        ($0.trimmingPrefix("    "), .normal)
      }
      lines.append(("  state:   \(task.state.rawValue)\(task.stale ? " (stale copy)" : "")", .normal))
      if task.osThreadID != 0 { lines.append(("  thread:  tid \(task.osThreadID)", .normal)) }
      if let parent = task.parent { lines.append(("  parent:  \(snapshot.label(task: parent))", .normal)) }
      lines.append(
        ("  started: \(formatDuration(snapshot.seconds(since: task.createdAtNanoseconds))) ago", .normal))
      if let requirement = analysis.requirements[id], !requirement.tasks.isEmpty {
        let who = requirement.tasks.map { snapshot.label(task: $0) }.joined(separator: ", ")
        lines.append(("  needs \(requirement.mode == .all ? "all of" : "any of"): \(who)", .normal))
      }
      if analysis.deadlocked.contains(id) {
        lines.append(("", .normal))
        lines.append(("  \(frame.glyphs.marker) DEADLOCKED: it can never proceed. See view 3.", .deadlock))
      }
      return lines
    case .resource(let id):
      guard let resource = snapshot.resource(id) else { return [("Resource \(id) is gone.", .dim)] }
      var lines: [(String, Role)] = [(snapshot.label(resource: id), .title)]
      if let site = resource.site { lines.append(("  created at \(site.description)", .normal)) }
      if let state = snapshot.describeState(of: resource) { lines.append(("  state: \(state)", .normal)) }
      if resource.kind.isSynchronizer && resource.kind != .semaphore {
        let who = resource.users.map { snapshot.label(task: $0) }.joined(separator: ", ")
        let title = resource.listsMembers ? "members" : "used by"
        lines.append(
          ("  \(title): \(who.isEmpty ? "none" : who)\(resource.unlistedUsers ? ", and more" : "")", .normal))
      }
      if let references = resource.references {
        lines.append(("  references outside the runtime: \(references)", .normal))
      }
      let holders = analysis.holders(of: resource)
      lines.append(("  holders: \(holders.isEmpty ? "none" : "")", .normal))
      for holder in holders {
        var text = "    \(snapshot.label(task: holder.task))"
        if resource.kind == .rwMutex { text += holder.hold.mode == .shared ? " (read)" : " (write)" }
        if let site = holder.hold.site { text += ", acquired at \(site.description)" }
        lines.append((text, analysis.deadlocked.contains(holder.task) ? .deadlock : .normal))
      }
      let waiters = analysis.waiters[id] ?? []
      lines.append(("  waiters: \(waiters.isEmpty ? "none" : "")", .normal))
      for waiter in waiters {
        guard let wait = snapshot.task(waiter)?.wait else { continue }
        var text =
          "    \(snapshot.label(task: waiter)) wants \(wait.kind.rawValue) for "
          + formatDuration(snapshot.seconds(since: wait.sinceNanoseconds))
        if let site = wait.site { text += ", at \(site.description)" }
        lines.append((text, analysis.deadlocked.contains(waiter) ? .deadlock : .normal))
      }
      return lines
    }
  }

  /// Long lines continue on the next rows, indented under their start.
  static func wrap(_ lines: [(String, Role)], width: Int) -> [(String, Role)] {
    let room = max(10, width - 2)
    var wrapped: [(String, Role)] = []
    for (text, role) in lines {
      guard text.count > room else {
        wrapped.append((text, role))
        continue
      }
      let indent = String(repeating: " ", count: min(room / 2, text.prefix { $0 == " " }.count + 4))
      var rest = Substring(text)
      var first = true
      while !rest.isEmpty {
        let limit = first ? room : room - indent.count
        var piece = rest.prefix(limit)
        if piece.count == limit, rest.count > limit, let space = piece.lastIndex(of: " "),
          piece.distance(from: piece.startIndex, to: space) > limit / 2
        {
          piece = piece[..<space]
        }
        wrapped.append(((first ? "" : indent) + piece, role))
        rest = rest.dropFirst(piece.count).drop { $0 == " " }
        first = false
      }
    }
    return wrapped
  }

  static func drawLines(
    _ screen: inout Screen, _ lines: [(String, Role)], scroll: Int, top: Int, glyphs: Glyphs
  ) {
    let lines = wrap(lines.map { (glyphs.plain($0.0), $0.1) }, width: screen.width)
    let visible = screen.height - top - 2
    let first = max(0, min(scroll, lines.count - visible))
    for (offset, line) in lines.dropFirst(first).prefix(visible).enumerated() {
      screen.put(" " + line.0, column: 0, row: top + offset, role: line.1)
    }
  }

  static func drawHelp(_ screen: inout Screen, _ frame: Frame) {
    var lines: [(String, Role)] = [("Keys", .title)]
    let width = KeyMap.help.map(\.keys.count).max() ?? 0
    lines += KeyMap.help.map { ("  " + $0.keys.padded(to: width) + "   " + $0.meaning, .normal) }
    lines.append(("", .normal))
    lines.append(
      ("Deadlocked tasks are marked \(frame.glyphs.marker) and drawn in the deadlock style;", .dim))
    lines.append(
      (
        "tasks waiting longer than \(formatDuration(frame.longWaitSeconds)) in the warning style. Any key closes this help.",
        .dim
      ))
    drawLines(&screen, lines, scroll: 0, top: 4, glyphs: frame.glyphs)
  }

  static func drawMenu(_ screen: inout Screen, _ state: AppState, _ frame: Frame) {
    screen.paint(row: 0, role: .header)
    screen.put(" deadtop demo: choose a scenario", column: 0, row: 0, role: .header)
    screen.put(
      " Each one deadlocks; f runs its fixed variant, which finishes.", column: 0, row: 1, role: .dim)
    let width = frame.menu.map(\.name.count).max() ?? 0
    for (index, entry) in frame.menu.enumerated() {
      let y = 3 + index
      guard y < screen.height - 1 else { break }
      let text = "  " + entry.name.padded(to: width) + "  " + entry.summary
      screen.put(text.fitted(to: screen.width, glyphs: frame.glyphs), column: 0, row: y)
      if index == state.menuSelection { screen.paint(row: y, role: .selected) }
    }
  }

  // MARK: Key bar

  static func drawKeyBar(_ screen: inout Screen, _ state: AppState, _ frame: Frame) {
    let y = screen.height - 1
    if let message = state.message
      ?? (state.editingFilter ? "type to filter, Enter keeps it, Esc clears it" : nil)
    {
      screen.put(
        " " + message.fitted(to: screen.width - 1, glyphs: frame.glyphs), column: 0, row: y - 1,
        role: .message)
    }
    var keys: [(String, String)]
    if state.inMenu {
      keys = [("Enter", "Run"), ("f", "Fixed"), ("↑↓", "Move"), ("q", "Quit")]
    } else {
      keys = [
        ("F1", "Help"), ("Enter", "Details"), ("/", "Filter"), ("<>", "Sort"), ("Spc", "Pause"),
        ("t", "Theme"), ("e", "Export"),
      ]
      if frame.demoTitle != nil { keys += [("m", "Menu"), ("r", "Restart"), ("f", "Fixed")] }
      keys.append(("q", "Quit"))
    }
    var x = 0
    for (key, label) in keys {
      let keyText = frame.glyphs.horizontal == "-" ? key.replacingOccurrences(of: "↑↓", with: "Up/Dn") : key
      guard x + keyText.count + label.count + 1 <= screen.width else { break }
      x = screen.put(keyText, column: x, row: y, role: .keyName)
      x = screen.put(label + " ", column: x, row: y, role: .keyLabel)
    }
  }
}

extension String {
  func trimmingPrefix(_ prefix: String) -> String {
    hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
  }

  func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
