import DeadtopCore

/// View 2: every lock, channel and synchronizer: holders, waiters in queue order, and
/// the time waited for it (the contention profile, sorted with `>`).
enum ResourcesView {
  struct Row: Sendable, Equatable {
    var id: ResourceID
    var kind: String
    var name: String
    /// "free", "held", or a channel's buffer fill and closed, a WaitGroup's counter, a
    /// semaphore's permits.
    var state: String
    /// Lock and permit holders, or a WaitGroup's member tasks.
    var holders: String
    var holderCount: Int
    var waiters: String
    var waiterCount: Int
    var site: String
    var inDeadlock: Bool
    /// Contended acquisitions and the time spent waiting for them (the mutex profile).
    var contended: UInt64
    var waitedSeconds: Double

    var searchText: String { "\(id) \(kind) \(name) \(state) \(holders) \(waiters) \(site)" }
  }

  static func content(_ context: ViewContext) -> ViewContent {
    let rows = self.rows(context.analysis, state: context.state)
    // Narrow screens fold the state into the holders column (a lock's holders, or a
    // channel's buffer, a WaitGroup's counter) and leave out the creation site.
    let narrow = context.width < 100
    let columns = TableView.columns(
      fixed: [(" ", 1, nil), ("ID", 4, .id), ("KIND", 9, .state), ("NAME", 16, .name)],
      flexible: narrow
        ? [("HOLDERS", 3, .holds), ("WAITERS", 3, nil), ("WAITED", 1, .wait)]
        : [
          ("STATE", 3, nil), ("HOLDERS", 3, .holds), ("WAITERS", 3, nil), ("WAITED", 1, .wait),
          ("CREATED AT", 2, nil),
        ],
      width: context.width)
    let filter = context.state.filter
    return .table(
      Table(
        columns: columns, count: rows.count,
        row: { position in
          let row = rows[position]
          let waited = row.contended == 0 ? "" : "\(formatDuration(row.waitedSeconds)) (\(row.contended))"
          let cells =
            [row.inDeadlock ? context.glyphs.marker : " ", "\(row.id)", row.kind, row.name]
            + (narrow ? [row.holders.isEmpty ? row.state : row.holders] : [row.state, row.holders])
            + [row.waiters, waited] + (narrow ? [] : [row.site])
          return TableRow(
            cells: cells, role: row.inDeadlock ? .deadlock : .normal, subject: .resource(row.id))
        },
        empty: filter.isEmpty ? "No resources." : "No resource matches /\(filter)"))
  }

  static func rows(_ analysis: Analysis, state: AppState) -> [Row] {
    let snapshot = analysis.snapshot
    var deadlocked = Set<ResourceID>()
    for deadlock in analysis.deadlocks { deadlocked.formUnion(analysis.resources(of: deadlock)) }
    let rows = snapshot.resources.map { resource -> Row in
      let holders = analysis.holders(of: resource)
      let waiters = analysis.waiters[resource.id] ?? []
      let owners =
        resource.kind == .waitGroup && resource.listsMembers
        ? resource.users.map { snapshot.name(task: $0) }
        : holders.map { snapshot.name(task: $0.task) + ($0.hold.mode == .shared ? " (read)" : "") }
      return Row(
        id: resource.id, kind: resource.kind.rawValue, name: snapshot.name(resource: resource.id),
        state: snapshot.describeState(of: resource) ?? (holders.isEmpty ? "free" : "held"),
        holders: owners.joined(separator: ", "), holderCount: owners.count,
        waiters: waiters.map { snapshot.name(task: $0) }.joined(separator: ", "), waiterCount: waiters.count,
        site: resource.site.map { "\($0.file):\($0.line)" } ?? "",
        inDeadlock: deadlocked.contains(resource.id), contended: resource.contention.contended,
        waitedSeconds: Double(resource.contention.totalWaitNanoseconds) / 1e9)
    }
    return TableView.arrange(
      rows, state: state, id: \.id,
      key: { row, column in
        switch column {
        case .id: TableView.SortValue()
        case .name: TableView.SortValue(text: row.name)
        case .state: TableView.SortValue(primary: row.inDeadlock ? 0 : 1, text: row.kind)
        case .wait: TableView.SortValue(primary: row.waitedSeconds, secondary: Double(row.waiterCount))
        case .holds: TableView.SortValue(primary: Double(row.holderCount))
        }
      }, searchText: \.searchText)
  }
}
