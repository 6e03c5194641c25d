import ArgumentParser
import DeadtopCore
import DeadtopRecording
import DeadtopTUI

#if canImport(Glibc)
  import Glibc
#endif

/// `--record FILE` and the flight recorder's options, shared by attach and demo.
struct RecordingOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Record every snapshot to this file (deadtop replay FILE plays it back).", valueName: "file"))
  var record: String?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Stop growing the --record file at this size.", valueName: "MiB"))
  var recordMaxMb: Int = RecordingLimits.defaultFileBytes >> 20

  @Option(
    help: ArgumentHelp(
      "Where the live view saves the last minutes when a deadlock is first confirmed.", valueName: "dir"))
  var flightDir: String = "."

  @Flag(help: "Keep the last minutes for stepping back (←) only; never save them.")
  var noFlightRecorder = false

  func validate() throws {
    guard recordMaxMb > 0 else { throw ValidationError("--record-max-mb must be a positive number of MiB") }
  }

  var maxBytes: Int { recordMaxMb << 20 }

  func apply(to options: inout LiveOptions, command: String) {
    options.recordPath = record
    options.recordMaxBytes = maxBytes
    options.flightRecorderDirectory = noFlightRecorder ? nil : flightDir
    options.command = command
  }

  /// For a report (`--once`): a source that records each snapshot it hands on, or the
  /// source itself without `--record`.
  func recording(_ source: SnapshotSource, command: String, intervalMilliseconds: Int) throws
    -> SnapshotSource
  {
    guard let record else { return source }
    let recorder = Recorder(
      meta: RecordingMeta(
        wallClockNanoseconds: UInt64(realtimeSeconds() * 1e9),
        monotonicNanoseconds: UInt64(monotonicSeconds() * 1e9),
        intervalMilliseconds: intervalMilliseconds, command: command),
      window: Recorder.Window(seconds: 0, bytes: 0))
    do {
      try recorder.record(to: record, maxBytes: maxBytes)
    } catch {
      throw CommandFailure("\(error)")
    }
    return RecordingSource(source, recorder: recorder)
  }

  /// The user's command line, for the recording's meta frame.
  static var commandLine: String { (["deadtop"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }
}

/// Hands each snapshot on after writing it to the recording.
final class RecordingSource: SnapshotSource {
  private let source: SnapshotSource
  private let recorder: Recorder
  private var stopSaid = false

  init(_ source: SnapshotSource, recorder: Recorder) {
    self.source = source
    self.recorder = recorder
  }

  deinit { recorder.finish() }

  var pid: Int32 { source.pid }

  func snapshot() throws -> Snapshot {
    let snapshot = try source.snapshot()
    recorder.append(snapshot)
    if let stopped = recorder.fileStopped, !stopSaid {
      stopSaid = true
      Output.standardError("deadtop: \(stopped)\n")
    }
    return snapshot
  }
}
