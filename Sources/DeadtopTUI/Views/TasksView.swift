import DeadtopCore

/// View 1: every task, with what it waits for, who holds that, and what it holds.
enum TasksView {
  /// One task, worded for the table.
  struct Row: Sendable, Equatable {
    var id: TaskID
    var tid: String
    var name: String
    var state: String
    /// What it waits for (`lock mutex "B"`), or the kernel's word for a /proc thread.
    var wait: String
    /// Who must act first (`pay-bob-alice`): the point of the row.
    var blockedBy: String
    var waitSeconds: Double?
    /// `2.1s`, or `≥2.1s` when only a lower bound is known (/proc).
    var waited: String
    var holds: String
    /// `LockScenarios.swift:23`: where it waits, or holds, or was spawned.
    var site: String
    var deadlocked: Bool
    var longWait: Bool
    /// Retries forever (a retry leak): shown as a warning, like a long wait.
    var leaked: Bool
    var ended: Bool

    var searchText: String { "\(id) \(tid) \(name) \(state) \(wait) \(blockedBy) \(holds) \(site)" }
  }

  /// Columns by what matters: who it waits for and where, before what it holds (which
  /// narrow screens leave to the details pane). Ids take the width they need.
  static func content(_ context: ViewContext) -> ViewContent {
    let analysis = context.analysis
    let snapshot = context.snapshot
    let longWait = context.frame.longWaitSeconds
    let order = self.order(analysis, state: context.state, longWaitSeconds: longWait)
    let narrow = context.width < 100
    // The deadlock marker leads the id: `✖2`.
    let idWidth = TableView.idWidth(" ID", largest: " \(snapshot.tasks.last?.id ?? 0)")
    let tidWidth = TableView.idWidth("TID", largest: "\(snapshot.tasks.map(\.osThreadID).max() ?? 0)")
    var specs = [TableView.Spec(" ID", idWidth, .id)]
    if !narrow { specs.append(TableView.Spec("TID", tidWidth)) }
    specs += [
      TableView.Spec("NAME", narrow ? 13 : 16, .name), TableView.Spec("STATE", 7, .state),
      TableView.Spec("FOR", narrow ? 5 : 6, .wait), TableView.Spec.share("WAITS FOR", narrow ? 6 : 5),
      TableView.Spec.share("BLOCKED BY", narrow ? 4 : 3),
    ]
    // Wide, the site keeps room for `LockScenarios.swift:123`; narrow, it shares the
    // width without the `.swift`, cut from the left so that the line number always shows.
    specs.append(
      narrow ? .share("SITE", 3, cutsFromLeft: true) : TableView.Spec("SITE", 22, cutsFromLeft: true))
    if !narrow { specs.append(.share("HOLDS", 4, .holds)) }
    let filter = context.state.filter
    return .table(
      Table(
        columns: TableView.columns(specs, width: context.width), count: order.count,
        row: { position in
          let row = Self.row(order[position], analysis, longWaitSeconds: longWait)
          var cells = [(row.deadlocked ? context.glyphs.marker : " ") + "\(row.id)"]
          if !narrow { cells.append(row.tid) }
          cells += [row.name, row.state, row.waited]
          cells += [
            row.wait, row.blockedBy,
            narrow ? row.site.replacingOccurrences(of: ".swift:", with: ":") : row.site,
          ]
          if !narrow { cells.append(row.holds) }
          let role: Role =
            row.deadlocked ? .deadlock : row.longWait || row.leaked ? .warning : row.ended ? .ended : .normal
          return TableRow(cells: cells, role: role, subject: .task(row.id))
        },
        empty: filter.isEmpty ? "No tasks." : "No task matches /\(filter)",
        preview: { subject in
          guard case .task(let id) = subject else { return [] }
          return DetailView.task(id, context)
        }))
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
        id: id, tid: "-", name: "task \(id)", state: "gone", wait: "", blockedBy: "", waitSeconds: nil,
        waited: "",
        holds: "",
        site: "", deadlocked: false, longWait: false, leaked: false, ended: true)
    }
    var wait = task.detail ?? ""
    var blockedBy = ""
    var seconds: Double?
    if let current = task.wait {
      // A dump's own word says more than an unowned wait's kind (`IO wait`, `select`).
      let unowned = current.kind == .futex || current.target == .resource(0)
      wait =
        snapshot.process.source.isDump && unowned
        ? (task.detail ?? "") : snapshot.describeBriefly(wait: current)
      blockedBy = TextReport.blockedBy(task.id, in: analysis)
      seconds = snapshot.seconds(since: current.sinceNanoseconds)
    }
    let holds =
      task.holds.map { hold in
        snapshot.resource(hold.resource)?.name.map { "\"\($0)\"" + (hold.mode == .shared ? " (read)" : "") }
          ?? snapshot.describe(hold: hold)
      }
      + (task.unlistedHolds > 0 ? ["+\(task.unlistedHolds) more"] : [])
    let site = task.wait?.site ?? task.holds.last?.site ?? task.spawnSite
    let deadlocked = analysis.deadlocked.contains(task.id)
    return Row(
      id: task.id, tid: task.osThreadID == 0 ? "-" : "\(task.osThreadID)", name: task.name,
      state: task.state.rawValue, wait: wait, blockedBy: blockedBy, waitSeconds: seconds,
      waited: task.wait.map { wait in
        // A Go dump says minutes from one on; a Java dump says nothing.
        snapshot.process.source == .javaDump
          ? "?"
          : snapshot.process.source == .goDump && (seconds ?? 0) < 60
            ? "<1m" : (wait.sinceIsLowerBound ? "≥" : "") + formatDuration(seconds ?? 0)
      } ?? "",
      holds: holds.joined(separator: ", "),
      site: site?.short ?? "",
      deadlocked: deadlocked, longWait: !deadlocked && (seconds ?? 0) >= longWaitSeconds,
      leaked: analysis.retryLeaks.contains { $0.task == task.id }, ended: task.state == .ended)
  }
}
