import DeadtopCore
import DeadtopReader
import DeadtopSegment

#if canImport(Glibc)
  import Glibc
#endif

/// Every process the exporter watches, read the way `--once` reads one: each process
/// that publishes a segment (found anew on every refresh, so that new ones appear and
/// ended ones go), and the pids and process names it was told to watch, through /proc
/// when they publish none. Each keeps its source and its own `DeadlockConfirmation`, so
/// a finding is reported once two refreshes show it, as everywhere else.
public final class Fleet {
  /// One watched process after a refresh.
  public struct Member: Sendable {
    public var pid: Int32
    public var name: String
    public var source: ProcessSummary.Source
    /// The confirmed analysis, or why the process could not be read this time.
    public var analysis: Analysis?
    public var problem: String?

    public init(
      pid: Int32, name: String, source: ProcessSummary.Source, analysis: Analysis? = nil,
      problem: String? = nil
    ) {
      self.pid = pid
      self.name = name
      self.source = source
      self.analysis = analysis
      self.problem = problem
    }
  }

  /// How many segments were found in each state on the last refresh.
  public struct SegmentCounts: Sendable, Equatable {
    public init() {}
    public var readable = 0
    /// Left behind by a process that has ended.
    public var stale = 0
    /// Present but not readable: corrupt, an ABI this deadtop cannot read, permission.
    public var unreadable = 0
  }

  public let watchedPids: [Int32]
  public let watchedNames: [String]
  private let segmentDirectory: String
  private var readers: [Int32: (source: SnapshotSource, confirmation: DeadlockConfirmation)] = [:]
  public private(set) var members: [Member] = []
  public private(set) var segments = SegmentCounts()

  public init(
    watchingPids pids: [Int32] = [], names: [String] = [], segmentDirectory: String = SegmentName.directory
  ) {
    watchedPids = pids
    watchedNames = names
    self.segmentDirectory = segmentDirectory
  }

  /// Reads every watched process once (never stopping or writing to any of them).
  public func refresh() {
    var published: [Int32: String] = [:]
    var counts = SegmentCounts()
    for entry in SegmentDirectory.entries(in: segmentDirectory) {
      guard processExists(entry.pid) else {
        counts.stale += 1
        continue
      }
      published[entry.pid] = entry.path
    }
    let named = watchedNames.isEmpty ? [] : Self.pids(named: Set(watchedNames))
    let wanted = Set(published.keys).union(watchedPids.filter(processExists)).union(named)

    // Readers of processes that are gone, or no longer wanted, are dropped.
    readers = readers.filter { wanted.contains($0.key) }
    var members: [Member] = []
    for pid in wanted.sorted() {
      let publishes = published[pid] != nil
      /// Counts a process that could not be read and says why; nil when it has just ended.
      func unreadable(_ error: Error) -> Member? {
        if case AttachError.stale = error {
          if publishes { counts.stale += 1 }
          return nil
        }
        if case AttachError.noSuchProcess = error { return nil }
        if publishes { counts.unreadable += 1 }
        return Member(
          pid: pid, name: commandName(of: pid) ?? "pid \(pid)", source: publishes ? .runtime : .proc,
          problem: (error as? AttachError)?.description ?? "\(error)")
      }
      if readers[pid] == nil {
        do {
          let source: SnapshotSource =
            try published[pid].map { try SegmentSource(path: $0, pid: pid, checksProcess: true) }
            ?? ProcSource(pid: pid)
          readers[pid] = (source, DeadlockConfirmation())
        } catch {
          if let member = unreadable(error) { members.append(member) }
          continue
        }
      }
      guard var reader = readers[pid] else { continue }
      do {
        let snapshot = try reader.source.snapshot()
        let analysis = reader.confirmation.analyse(snapshot).analysis
        readers[pid] = reader
        if snapshot.process.source == .runtime { counts.readable += 1 }
        members.append(
          Member(pid: pid, name: snapshot.process.name, source: snapshot.process.source, analysis: analysis))
      } catch {
        // It ended, or its segment went bad, between two reads: read it afresh next time.
        readers[pid] = nil
        if let member = unreadable(error) { members.append(member) }
      }
    }
    self.members = members
    segments = counts
  }

  /// The live processes whose command name (`/proc/PID/comm`) is one of `names`.
  static func pids(named names: Set<String>) -> [Int32] {
    guard let directory = opendir("/proc") else { return [] }
    defer { closedir(directory) }
    var pids: [Int32] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard let pid = Int32(name), let command = commandName(of: pid), names.contains(command) else {
        continue
      }
      pids.append(pid)
    }
    return pids
  }
}
