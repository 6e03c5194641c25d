import DeadtopCore

/// View 2: every lock, channel and synchronizer: holders, waiters in queue order, and
/// the time waited for it (the contention profile, sorted with `>`).
enum ResourcesView {
  struct Row: Sendable, Equatable {
    var id: ResourceID
    /// The id as a person reads it: a /proc lock is its futex's address, in hex.
    var displayID: String
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

    var searchText: String { "\(displayID) \(kind) \(name) \(state) \(holders) \(waiters) \(site)" }
  }

  static func content(_ context: ViewContext) -> ViewContent {
    let rows = self.rows(context.analysis, state: context.state)
    // Narrow screens fold the state into the holders column (a lock's holders, or a
    // channel's buffer, a WaitGroup's counter) and leave out the creation site.
    let narrow = context.width < 100
    // The deadlock marker leads the id: `✖10`.
    let idWidth = TableView.idWidth(
      " ID", largest: " " + (rows.map(\.displayID).max { $0.count < $1.count } ?? ""))
    let columns = TableView.columns(
      [
        TableView.Spec(" ID", idWidth, .id), TableView.Spec("KIND", 9, .state),
        TableView.Spec("NAME", 16, .name),
      ]
        + (narrow
          ? [.share("HOLDERS", 3, .holds), .share("WAITERS", 3), .share("WAITED", 1, .wait)]
          : [
            .share("STATE", 3), .share("HOLDERS", 3, .holds), .share("WAITERS", 3),
            .share("WAITED", 1, .wait),
            .share("CREATED AT", 2, cutsFromLeft: true),
          ]),
      width: context.width)
    let filter = context.state.filter
    return .table(
      Table(
        columns: columns, count: rows.count,
        row: { position in
          let row = rows[position]
          let waited = row.contended == 0 ? "" : "\(formatDuration(row.waitedSeconds)) (\(row.contended))"
          let cells =
            [(row.inDeadlock ? context.glyphs.marker : " ") + row.displayID, row.kind, row.name]
            + (narrow ? [row.holders.isEmpty ? row.state : row.holders] : [row.state, row.holders])
            + [row.waiters, waited] + (narrow ? [] : [row.site])
          return TableRow(
            cells: cells, role: row.inDeadlock ? .deadlock : .normal, subject: .resource(row.id))
        },
        empty: filter.isEmpty ? "No resources." : "No resource matches /\(filter)",
        preview: { subject in
          guard case .resource(let id) = subject else { return [] }
          return DetailView.resource(id, context)
        }))
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
        id: resource.id,
        displayID: snapshot.process.source == .proc
          ? "0x" + String(resource.id, radix: 16) : "\(resource.id)",
        kind: resource.kind.rawValue, name: snapshot.name(resource: resource.id),
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
