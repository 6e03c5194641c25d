/// A point-in-time picture of a process: plain values, no I/O. Every source (the
/// shared-memory segment, `/proc`, a recording) produces one; analysis and every
/// report consume one.
public struct Snapshot: Sendable, Equatable {
  public var process: ProcessSummary
  /// When the snapshot was taken, in nanoseconds of the process's monotonic clock.
  public var takenAtNanoseconds: UInt64
  public var tasks: [TaskInfo] { didSet { taskIndex = Self.index(tasks) } }
  public var resources: [ResourceInfo] { didSet { resourceIndex = Self.index(resources) } }
  /// Positions by id, so that lookups stay constant-time on 10,000 tasks.
  private var taskIndex: PositionIndex
  private var resourceIndex: PositionIndex
  public var counters: Counters
  /// Things a reader should know: a full table, slots that could not be read.
  public var warnings: [String]
  /// Facts a verdict needs that the source could not see (lock owners behind a
  /// permission, what threads wait on): with any, "no deadlock" cannot be said.
  public var hiddenFacts: [String] = []
  /// Every order in which some task took two lock classes (runtime only).
  public var lockOrder: [LockOrderEdge] = []
  /// The sampler's records, oldest first (runtime only).
  public var schedtrace: [SchedRecord] = []
  /// The recent blocking events, oldest first (runtime only).
  public var events: [Event] = []
  /// Contention per call site, for the sites that ever waited.
  public var siteContention: [SiteContention] = []
  /// The thread pools that run the process's async work (/proc: the Swift concurrency pool).
  public var pools: [ThreadPool] = []
  /// Bumped by the runtime's sampler; 0 when none runs.
  public var heartbeat: UInt64 = 0
  /// The watched program's own runtime declared that none of its tasks can ever run
  /// again, in these words (Go's "fatal error: all goroutines are asleep - deadlock!").
  public var declaredDeadlock: String?

  public init(
    process: ProcessSummary, takenAtNanoseconds: UInt64, tasks: [TaskInfo],
    resources: [ResourceInfo], counters: Counters = Counters(), warnings: [String] = []
  ) {
    self.process = process
    self.takenAtNanoseconds = takenAtNanoseconds
    self.tasks = tasks
    self.resources = resources
    self.taskIndex = Self.index(tasks)
    self.resourceIndex = Self.index(resources)
    self.counters = counters
    self.warnings = warnings
  }

  public func task(_ id: TaskID) -> TaskInfo? { taskIndex[id].map { tasks[$0] } }
  /// No task id and no resource id repeats (a source's bug if one does).
  public var hasUniqueIDs: Bool {
    taskIndex.distinctCount == tasks.count && resourceIndex.distinctCount == resources.count
  }
  /// Where the task is in `tasks`.
  public func position(of id: TaskID) -> Int? { taskIndex[id] }
  public func resource(_ id: ResourceID) -> ResourceInfo? { resourceIndex[id].map { resources[$0] } }
  /// Where the resource is in `resources`.
  public func position(ofResource id: ResourceID) -> Int? { resourceIndex[id] }

  private static func index<Item: Identifiable>(_ items: [Item]) -> PositionIndex where Item.ID == UInt64 {
    PositionIndex(items.lazy.map { $0.id })  // a closure: a key path here cost more than the index
  }

  /// Seconds since `nanoseconds` (a time on the process's monotonic clock).
  public func seconds(since nanoseconds: UInt64) -> Double {
    takenAtNanoseconds > nanoseconds ? Double(takenAtNanoseconds - nanoseconds) / 1e9 : 0
  }
}

/// Anything that turns a live process into snapshots: its segment, /proc, a demo child.
public protocol SnapshotSource: AnyObject {
  var pid: Int32 { get }
  /// Throws once the process has gone.
  func snapshot() throws -> Snapshot
}

public typealias TaskID = UInt64
public typealias ResourceID = UInt64

public struct ProcessSummary: Sendable, Equatable {
  public enum Source: String, Sendable, Equatable {
    case runtime, proc, recording
    /// A Go goroutine dump, or a Java thread dump, read by `deadtop import`.
    case goDump = "go-dump"
    case javaDump = "java-dump"

    /// What the reports call its tasks: a dump's own word (`goroutine`, `thread`), else
    /// `task`.
    public var taskNoun: String {
      switch self {
      case .goDump: "goroutine"
      case .javaDump: "thread"
      case .runtime, .proc, .recording: "task"
      }
    }

    public var isDump: Bool { self == .goDump || self == .javaDump }
  }
  public var pid: Int32
  public var name: String
  public var source: Source
  public var abiVersion: UInt32
  /// Process start on the monotonic clock, for uptime.
  public var startedAtNanoseconds: UInt64

  public init(
    pid: Int32, name: String, source: Source, abiVersion: UInt32 = 0,
    startedAtNanoseconds: UInt64 = 0
  ) {
    self.pid = pid
    self.name = name
    self.source = source
    self.abiVersion = abiVersion
    self.startedAtNanoseconds = startedAtNanoseconds
  }
}

public struct CallSite: Sendable, Hashable {
  public var file: String
  public var line: UInt32
  public var function: String

  public init(file: String, line: UInt32, function: String) {
    self.file = file
    self.line = line
    self.function = function
  }

  /// `ABBA.swift:31` for a table cell; with no line (a function found on a stack), the
  /// function: `Registry.init()`.
  public var short: String {
    if line == 0 { return function.isEmpty ? file : function }
    return "\(file.split(separator: "/").last.map(String.init) ?? file):\(line)"
  }

  /// `Demo/ABBA.swift:31 in run()`; with no line (a function found on a stack in the
  /// binary `file`): `Registry.init() in server`.
  public var description: String {
    let text = TextBuffer()
    write(to: text)
    return text.string
  }

  /// Appends `description` to a report being written.
  public func write(to out: TextBuffer) {
    if line == 0 {
      if function.isEmpty {
        out += file
        return
      }
      out += function
      out += " in "
      out += file
      return
    }
    out += file
    out += ":"
    out.append(number: line)
    if !function.isEmpty {
      out += " in "
      out += function
    }
  }
}

public struct Counters: Sendable, Equatable {
  public var acquisitions: UInt64 = 0
  public var contended: UInt64 = 0
  public var blocks: UInt64 = 0
  public var tasksCreated: UInt64 = 0
  public var resourcesCreated: UInt64 = 0
  public var tasksDropped: UInt64 = 0
  public var resourcesDropped: UInt64 = 0

  public init(
    acquisitions: UInt64 = 0, contended: UInt64 = 0, blocks: UInt64 = 0,
    tasksCreated: UInt64 = 0, resourcesCreated: UInt64 = 0, tasksDropped: UInt64 = 0,
    resourcesDropped: UInt64 = 0
  ) {
    self.acquisitions = acquisitions
    self.contended = contended
    self.blocks = blocks
    self.tasksCreated = tasksCreated
    self.resourcesCreated = resourcesCreated
    self.tasksDropped = tasksDropped
    self.resourcesDropped = resourcesDropped
  }
}
