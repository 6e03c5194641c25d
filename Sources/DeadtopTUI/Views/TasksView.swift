import DeadtopCore

/// View 1: every task, with what it waits for, who holds that, and what it holds.
enum TasksView {
  /// One task, worded for the table.
  struct Row: Sendable, Equatable {
    var id: TaskID
    var tid: String
    var name: String
    var state: String
    var wait: String
    var waitSeconds: Double?
    var holds: String
    var site: String
    var deadlocked: Bool
    var longWait: Bool
    var ended: Bool

    var searchText: String { "\(id) \(tid) \(name) \(state) \(wait) \(holds) \(site)" }
  }

  static func content(_ context: ViewContext) -> ViewContent {
    let analysis = context.analysis
    let longWait = context.frame.longWaitSeconds
    let order = self.order(analysis, state: context.state, longWaitSeconds: longWait)
    let narrow = context.width < 100
    var fixed: [(String, Int, SortColumn?)] = [(" ", 1, nil), ("ID", 4, .id)]
    if !narrow { fixed.append(("TID", 7, nil)) }
    fixed += [("NAME", narrow ? 14 : 16, .name), ("STATE", 7, .state), ("FOR", 6, .wait)]
    let flexible: [(String, Int, SortColumn?)] =
      narrow
      ? [("WAITING FOR", 6, nil), ("HOLDS", 4, .holds)]
      : [("WAITING FOR", 5, nil), ("HOLDS", 3, .holds), ("SITE", 3, nil)]
    let filter = context.state.filter
    return .table(
      Table(
        columns: TableView.columns(fixed: fixed, flexible: flexible, width: context.width),
        count: order.count,
        row: { position in
          let row = Self.row(order[position], analysis, longWaitSeconds: longWait)
          var cells = [row.deadlocked ? context.glyphs.marker : " ", "\(row.id)"]
          if !narrow { cells.append(row.tid) }
          cells += [row.name, row.state, row.waitSeconds.map(formatDuration) ?? "", row.wait, row.holds]
          if !narrow { cells.append(row.site) }
          let role: Role = row.deadlocked ? .deadlock : row.longWait ? .warning : row.ended ? .ended : .normal
          return TableRow(cells: cells, role: role, subject: .task(row.id))
        },
        empty: filter.isEmpty ? "No tasks." : "No task matches /\(filter)"))
  }

  /// The tasks in the order and filter the state asks for. Sorting needs no wording;
  /// a filter matches the worded row, so only then is every row worded.
  static func order(_ analysis: Analysis, state: AppState, longWaitSeconds: Double) -> [TaskID] {
    let snapshot = analysis.snapshot
    return TableView.arrange(
      Array(snapshot.tasks.indices), state: state, id: { snapshot.tasks[$0].id },
      key: { index, column in
        let task = snapshot.tasks[index]
        switch column {
        case .id: return TableView.SortValue()
        case .name: return TableView.SortValue(text: task.name)
        case .state:
          return TableView.SortValue(
            primary: analysis.deadlocked.contains(task.id) ? 0 : 1, text: task.state.rawValue)
        case .wait:
          return TableView.SortValue(
            primary: task.wait.map { snapshot.seconds(since: $0.sinceNanoseconds) } ?? -1)
        case .holds: return TableView.SortValue(primary: Double(task.holds.count + task.unlistedHolds))
        }
      },
      searchText: { row(snapshot.tasks[$0].id, analysis, longWaitSeconds: longWaitSeconds).searchText }
    ).map { snapshot.tasks[$0].id }
  }

  /// Every row, worded, in order (for tests and tools).
  static func rows(_ analysis: Analysis, state: AppState, longWaitSeconds: Double) -> [Row] {
    order(analysis, state: state, longWaitSeconds: longWaitSeconds).map {
      row($0, analysis, longWaitSeconds: longWaitSeconds)
    }
  }

  static func row(_ id: TaskID, _ analysis: Analysis, longWaitSeconds: Double) -> Row {
    let snapshot = analysis.snapshot
    guard let task = snapshot.task(id) else {
      return Row(
        id: id, tid: "-", name: "task \(id)", state: "gone", wait: "", waitSeconds: nil, holds: "", site: "",
        deadlocked: false, longWait: false, ended: true)
    }
    var wait = task.detail ?? ""
    var seconds: Double?
    if let current = task.wait {
      wait = snapshot.describe(wait: current) + TextReport.blockers(of: task.id, in: analysis)
      seconds = snapshot.seconds(since: current.sinceNanoseconds)
    }
    let holds =
      task.holds.map { snapshot.describe(hold: $0) }
      + (task.unlistedHolds > 0 ? ["+\(task.unlistedHolds) more"] : [])
    let site = task.wait?.site ?? task.holds.last?.site ?? task.spawnSite
    let deadlocked = analysis.deadlocked.contains(task.id)
    return Row(
      id: task.id, tid: task.osThreadID == 0 ? "-" : "\(task.osThreadID)", name: task.name,
      state: task.state.rawValue, wait: wait, waitSeconds: seconds, holds: holds.joined(separator: ", "),
      site: site.map { "\($0.file.split(separator: "/").last ?? ""):\($0.line)" } ?? "",
      deadlocked: deadlocked, longWait: !deadlocked && (seconds ?? 0) >= longWaitSeconds,
      ended: task.state == .ended)
  }
}
