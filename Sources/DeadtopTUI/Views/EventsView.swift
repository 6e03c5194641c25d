import DeadtopCore

/// View 6: the recent blocking events, newest first, narrowed by the filter; Enter opens
/// the event's task.
enum EventsView {
  static func content(_ context: ViewContext) -> ViewContent {
    .text(lines(context), width: context.width, glyphs: context.glyphs, cursor: true)
  }

  static func lines(_ context: ViewContext) -> [ViewLine] {
    let snapshot = context.snapshot
    guard snapshot.process.source == .runtime else {
      return RuntimeOnly.lines("Events", "The event timeline comes from the Deadtop runtime")
    }
    let needle = context.state.filter.lowercased()
    let events = snapshot.events.reversed().map { (event: $0, text: snapshot.describe(event: $0)) }
      .filter { needle.isEmpty || $0.text.lowercased().contains(needle) }
    guard !events.isEmpty else {
      return [
        ViewLine("Events", .title), ViewLine(""),
        ViewLine(needle.isEmpty ? "No event yet." : "No event matches /\(context.state.filter)", .dim),
      ]
    }
    return [ViewLine("Events, newest first (\(events.count) of \(snapshot.events.count)); / filters", .title)]
      + events.map { entry in
        ViewLine(
          entry.text, entry.event.kind == .block ? .warning : .normal, subject: .task(entry.event.task))
      }
  }
}
