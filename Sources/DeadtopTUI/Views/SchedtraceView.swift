import DeadtopCore

/// View 5: the sampler's records, newest first (the header draws their sparklines).
enum SchedtraceView {
  static func content(_ context: ViewContext) -> ViewContent {
    .text(lines(context), width: context.width, glyphs: context.glyphs, cursor: false)
  }

  static func lines(_ context: ViewContext) -> [ViewLine] {
    let snapshot = context.snapshot
    guard snapshot.process.source == .runtime else {
      return RuntimeOnly.lines("Schedtrace", "The scheduler trace comes from the Deadtop runtime")
    }
    guard !snapshot.schedtrace.isEmpty else {
      return [
        ViewLine("Schedtrace", .title), ViewLine(""),
        ViewLine(
          "No record yet: the runtime's sampler writes one per interval (DEADTOP_SCHEDTRACE_MS, 1 s by default).",
          .dim),
      ]
    }
    return [ViewLine("Schedtrace, newest first (\(snapshot.schedtrace.count) records)", .title)]
      + snapshot.schedtrace.reversed().map { ViewLine($0.line, $0.blocked > 0 ? .normal : .dim) }
  }

  /// One level per record, scaled to the largest value.
  static func sparkline(_ values: [Double], glyphs: Glyphs) -> String {
    let levels = glyphs.levels
    let top = values.max() ?? 0
    return values.map { value in
      top > 0 ? levels[min(levels.count - 1, Int(value / top * Double(levels.count - 1)))] : levels[0]
    }.joined()
  }
}
