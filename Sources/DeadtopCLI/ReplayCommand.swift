import ArgumentParser
import DeadtopCore
import DeadtopRecording
import DeadtopTUI

/// `deadtop replay FILE`: a recording in the live view's views, stepped through in time,
/// or the report of one of its moments.
struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Play back a recording (--record, or a flight recording): the views in time, or one report.",
    discussion: """
      Keys: ← → a frame, [ ] ten seconds, Home End the first and last frame, d where the first \
      deadlock, hang or leak was confirmed, Space play or pause, + - the speed. Each frame is \
      confirmed by the frame before it, as the live view confirmed it then. --at takes start, \
      end, deadlock (the first confirmed finding), a time from the start (90, 1m30s), a time \
      before the end (-10s), or a time of day in UTC (14:03:22). A damaged file plays up to \
      the damage, and says so. Exit status with --once: as for --attach --once.
      """)

  @Argument(help: ArgumentHelp("The recording (.dtrec).", valueName: "file"))
  var file: String

  @Flag(help: "Print the report of one moment (--at) and exit, instead of the views.")
  var once = false

  @Option(
    help: ArgumentHelp("The moment to show first (default: start; with --once, end).", valueName: "when"))
  var at: ReplayMoment?

  @OptionGroup var report: ReportOptions
  @OptionGroup var live: LiveViewOptions

  func run() throws {
    let recording: Recording
    do {
      recording = try Recording(path: file)
    } catch let error as RecordingError {
      throw CommandFailure("\(file): \(error)")
    } catch {
      throw CommandFailure("\(error)")
    }
    if let damage = recording.damage {
      Output.standardError("deadtop: \(file): \(damage); replaying the \(recording.count) frames before it\n")
    }
    let moment = at ?? (once || !report.isText ? .end : .start)
    let index: Int
    do {
      guard let found = try moment.index(in: recording) else {
        throw CommandFailure(
          "\(file): no deadlock, hang or leak was confirmed in its \(recording.count) frames")
      }
      index = found
    } catch let error as RecordingError {
      throw CommandFailure("\(file): \(error)")
    }
    if !once && report.isText,
      try LiveViewOptions.ranLiveView({
        let session = LiveSession(
          replaying: recording, options: try live.sessionOptions(longWaitSeconds: report.longWait),
          title: "replay of \(file.split(separator: "/").last.map(String.init) ?? file)")
        session.start(atFrame: index)
        try session.run()
      })
    {
      return
    }
    let analysis: Analysis
    do {
      analysis = try recording.confirmedAnalysis(at: index)
    } catch {
      throw CommandFailure("\(file): \(error)")
    }
    if report.isText { Output.standardOutput(Self.position(of: index, in: recording) + "\n\n") }
    Output.standardOutput(report.render(analysis))
    if analysis.exitStatus != Status.clean { throw ExitCode(analysis.exitStatus) }
  }

  /// `Replay: frame 25 of 600, 14:03:22 UTC, +12.5s of 5m00s (deadtop --attach 4242)`.
  static func position(of index: Int, in recording: Recording) -> String {
    let first = recording.time(at: 0)
    let time = recording.time(at: index)
    return "Replay: frame \(index + 1) of \(recording.count), "
      + "\(TimelineStatus.clock(recording.meta.wallClockNanoseconds(at: time))) UTC, "
      + "+\(formatDuration(Double(time &- first) / 1e9)) of "
      + "\(formatDuration(Double(recording.time(at: recording.count - 1) &- first) / 1e9))"
      + " (recorded by \(recording.meta.command))"
  }
}

/// `--at`: a moment in a recording.
enum ReplayMoment: ExpressibleByArgument, Equatable {
  case start, end, firstFinding
  /// Seconds after the first frame, or (negative) before the last.
  case offset(Double)
  /// Seconds since midnight UTC.
  case timeOfDay(Int)

  init?(argument: String) {
    switch argument {
    case "start": self = .start
    case "end": self = .end
    case "deadlock", "formed": self = .firstFinding
    default:
      if argument.contains(":") {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
          return nil
        }
        let values = parts.map { $0! } + (parts.count == 2 ? [0] : [])
        guard values[0] < 24, values[1] < 60, values[2] < 60 else { return nil }
        self = .timeOfDay(values[0] * 3600 + values[1] * 60 + values[2])
      } else {
        let negative = argument.hasPrefix("-")
        let body = argument.drop { $0 == "-" || $0 == "+" }
        guard argument.count - body.count <= 1, let seconds = Self.seconds(String(body)) else { return nil }
        self = .offset(negative ? -seconds : seconds)
      }
    }
  }

  /// `90`, `90s`, `1m30s`, `2m`, `1h`, `500ms`.
  static func seconds(_ text: String) -> Double? {
    if let plain = Double(text), plain >= 0 { return plain }
    if text.hasSuffix("ms"), let value = Double(text.dropLast(2)), value >= 0 { return value / 1000 }
    var total = 0.0
    var number = ""
    for character in text {
      if character.isNumber || character == "." {
        number.append(character)
        continue
      }
      guard let value = Double(number) else { return nil }
      switch character {
      case "h": total += value * 3600
      case "m": total += value * 60
      case "s": total += value
      default: return nil
      }
      number = ""
    }
    return number.isEmpty && !text.isEmpty ? total : nil
  }

  static var defaultValueDescription: String { "start" }

  /// The frame shown for this moment; nil for a finding that never came.
  func index(in recording: Recording) throws -> Int? {
    let first = recording.time(at: 0)
    let last = recording.time(at: recording.count - 1)
    switch self {
    case .start: return 0
    case .end: return recording.count - 1
    case .firstFinding: return try recording.firstFindingIndex()
    case .offset(let seconds):
      let span = UInt64(abs(seconds) * 1e9)
      return recording.index(at: seconds < 0 ? (last > span ? last - span : 0) : first &+ span)
    case .timeOfDay(let seconds):
      // The first frame whose UTC time of day is at or after it, counting across midnight.
      let startClock = recording.meta.wallClockNanoseconds(at: first)
      let startOfDay = Int(startClock / 1_000_000_000 % 86_400)
      let ahead = (seconds - startOfDay + 86_400) % 86_400
      return recording.index(at: first &+ UInt64(ahead) * 1_000_000_000)
    }
  }
}
