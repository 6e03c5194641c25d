import DeadtopCore

/// The rows above the body: the process, its counts, the verdict (with sparklines of the
/// recent intervals) and the tabs.
enum Header {
  static func draw(
    _ layout: ScreenLayout, on screen: inout Screen, state: AppState, frame: Frame, analysis: Analysis
  ) {
    let snapshot = analysis.snapshot
    let glyphs = frame.glyphs
    let row = layout.title.row
    screen.paint(row: row, role: .header)
    var title = " deadtop  \(snapshot.process.name)"
    if snapshot.process.source.isDump {
      // A dump is one moment of a process deadtop never saw: no pid, uptime or refresh.
      title += snapshot.process.source == .goDump ? "  (a Go goroutine dump)" : "  (a Java thread dump)"
    } else {
      title += " (pid \(snapshot.process.pid))"
      if let hostTitle = frame.title { title += "  \(hostTitle)" }
      title += "  up \(formatDuration(snapshot.uptimeSeconds))"
      // A frame from the past: its time is on the right, and the refresh is not its.
      if frame.timeline == nil { title += "  refresh \(frame.refreshMilliseconds)ms" }
    }
    if snapshot.process.source == .proc { title += "  source: /proc" }
    screen.put(title, column: 0, row: row, role: .header)
    if let timeline = frame.timeline {
      // Where in time: it wins over the title's end, which the user has already read.
      let text = " " + timeline.text(glyphs: glyphs) + " "
      let fitted = text.fitted(to: layout.title.width, glyphs: glyphs)
      screen.put(fitted, column: max(0, layout.title.width - fitted.count), row: row, role: .banner)
    } else if state.paused {
      let paused = " PAUSED "
      screen.put(paused, column: layout.title.width - paused.count, row: row, role: .banner)
    }

    let counts = TaskState.allCases.map { "\(snapshot.taskCount($0)) \($0.rawValue)" }
    let noun = snapshot.process.source.taskNoun
    var pieces = [
      " \(noun.prefix(1).uppercased() + noun.dropFirst())s: \(snapshot.tasks.count) ("
        + counts.joined(separator: ", ") + ")",
      "Resources: \(snapshot.resources.count)",
    ]
    if snapshot.process.source.isDump {
      // A dump counts nothing.
    } else if snapshot.process.source == .proc {
      // /proc counts no acquisitions; the concurrency pool's load is what it can tell.
      for pool in snapshot.pools {
        pieces.append(
          "\(pool.name): \(pool.running) of \(pool.width) busy"
            + (pool.queued.map { ", \(counted($0, "job")) queued" } ?? ""))
      }
    } else if let latest = snapshot.schedtrace.last {
      // The latest scheduler record: what happened in the last interval.
      pieces.append(
        "last \(formatDuration(Double(latest.intervalNanoseconds) / 1e9)): acquired \(latest.acquisitions), "
          + "contended \(latest.contended), blocked \(latest.blocks)")
    } else {
      pieces.append(
        "acquired \(snapshot.counters.acquisitions), contended \(snapshot.counters.contended), "
          + "blocked \(snapshot.counters.blocks)")
    }
    screen.put(
      Self.whole(pieces, separator: "  ", width: layout.counts.width, glyphs: glyphs), column: 0,
      row: layout.counts.row)

    drawVerdict(layout.verdict, on: &screen, state: state, frame: frame, analysis: analysis)
    drawTabs(layout.tabs, on: &screen, state: state)
  }

  private static func drawVerdict(
    _ rect: Rect, on screen: inout Screen, state: AppState, frame: Frame, analysis: Analysis
  ) {
    let glyphs = frame.glyphs
    let role: Role
    let text: String
    if analysis.verdict == .unknown {
      role = .warning
      text =
        " Verdict unknown: cannot see " + analysis.snapshot.hiddenFacts.joined(separator: ", ")
        + (analysis.snapshot.process.source.isDump ? "" : " (permissions)")
    } else if !analysis.deadlocks.isEmpty {
      role = .banner
      let certain = analysis.deadlocks.filter { $0.certainty == .certain }.count
      let likely = analysis.deadlocks.count - certain
      let stuck = analysis.deadlocked.count
      let sureness =
        likely == 0 ? "certain" : certain == 0 ? "likely" : "\(certain) certain, \(likely) likely"
      var banner =
        " \(glyphs.marker) DEADLOCK: \(analysis.deadlocks.count) found (\(sureness)), \(counted(stuck, "task")) stuck"
      banner += analysis.isGlobal ? ": every task is blocked" : ": others run on"
      text = Self.whole(
        [banner] + (state.view != .deadlocks ? ["[3] explains it"] : []), separator: "  ", width: rect.width,
        glyphs: glyphs)
    } else if let starvation = analysis.starvedPools.first {
      role = .banner
      let banner =
        " \(glyphs.marker) HANG: every thread of the \(starvation.pool.name) is blocked "
        + "(\(starvation.threads.count) of \(starvation.pool.width)): no async task can run"
      text = Self.whole(
        [banner] + (state.view != .deadlocks ? ["[3] explains it"] : []), separator: "  ", width: rect.width,
        glyphs: glyphs)
    } else if !analysis.retryLeaks.isEmpty {
      role = .warning
      let banner =
        " No deadlock, but \(counted(analysis.retryLeaks.count, "task")) leaked, retrying forever on waits no "
        + "task can end"
      text = Self.whole(
        [banner] + (state.view != .deadlocks ? ["[3] explains it"] : []), separator: "  ", width: rect.width,
        glyphs: glyphs)
    } else {
      role = .good
      text = " No deadlock."
    }
    // Predicted deadlocks that have not happened: easy to miss unless the header says so.
    let predicted = analysis.potentialDeadlocks.filter { $0.happening == nil }.count
    if predicted > 0 {
      let note = "  \(predicted) potential deadlock\(predicted == 1 ? "" : "s") from lock order [4]"
      let x = screen.put(
        text.fitted(to: rect.width, glyphs: glyphs), column: rect.column, row: rect.row, role: role)
      screen.put(
        note.fitted(to: max(0, rect.width - x), glyphs: glyphs), column: x, row: rect.row,
        role: role == .good ? .warning : role)
      return
    }
    if role != .good { screen.paint(row: rect.row, role: role) }
    screen.put(text.fitted(to: rect.width, glyphs: glyphs), column: rect.column, row: rect.row, role: role)

    // Sparklines of the recent intervals at the right of the verdict, when they fit.
    let recent = analysis.snapshot.schedtrace.suffix(16)
    guard recent.count >= 2 else { return }
    let rate = recent.map { Double($0.acquisitions) / max(1e-9, Double($0.intervalNanoseconds) / 1e9) }
    let sparks =
      "acq/s " + SchedtraceView.sparkline(rate, glyphs: glyphs) + " blocked "
      + SchedtraceView.sparkline(recent.map { Double($0.blocked) }, glyphs: glyphs) + " "
    if text.count + sparks.count + 2 <= rect.width {
      screen.put(sparks, column: rect.width - sparks.count, row: rect.row, role: role)
    }
  }

  /// The pieces that fit whole, in order; the first is cut only when even it does not fit.
  static func whole(_ pieces: [String], separator: String, width: Int, glyphs: Glyphs) -> String {
    var text = pieces.first ?? ""
    for piece in pieces.dropFirst() where text.count + separator.count + piece.count <= width {
      text += separator + piece
    }
    return text.fitted(to: width, glyphs: glyphs)
  }

  private static func drawTabs(_ rect: Rect, on screen: inout Screen, state: AppState) {
    var column = rect.column
    for view in ViewKind.allCases {
      let label = " \(view.rawValue) \(rect.width < 100 ? view.shortTitle : view.title) "
      column = screen.put(
        label, column: column, row: rect.row, role: view == state.view ? .columnHeader : .title)
      column += 1
    }
    if state.editingFilter || !state.filter.isEmpty {
      let filter = " /" + state.filter + (state.editingFilter ? "_" : "")
      // The filter wins over the tabs when both do not fit.
      screen.put(filter, column: max(0, rect.width - filter.count - 1), row: rect.row, role: .message)
    }
  }
}
