// One file over ~350 lines: the schema's types and how each field is filled stand side
// by side, so that a field's meaning has one home (README, "JSON report").
import DeadtopCore
import Foundation

/// The machine-readable report: a documented, versioned object (README, "JSON schema").
/// Fields are only ever added within a version; a removal or change of meaning bumps it.
public enum JSONReport {
  public static let schema = "deadtop.report"
  public static let version = 1

  public struct Document: Codable, Equatable, Sendable {
    public var schema: String
    public var version: Int
    public var process: Process
    public var summary: Summary
    public var deadlocks: [DeadlockEntry]
    /// Thread pools every thread of which is blocked (the verdict `hang`).
    public var hangs: [HangEntry]
    /// Lock-order cycles that have not (yet) deadlocked.
    public var potentialDeadlocks: [PotentialEntry]
    /// Blocked tasks waiting at least the long-wait threshold, longest first.
    public var longWaits: [LongWaitEntry]
    /// The runtime's last schedtrace records (up to 16), oldest first.
    public var schedtrace: [String]
    /// The runtime's last events (up to 100), oldest first, worded as `--events` does.
    public var events: [String]
    /// Contention per lock and per call site, by total time waited (up to 20 each).
    public var profile: ProfileEntry
    public var tasks: [TaskEntry]
    public var resources: [ResourceEntry]
    /// Tasks that retry forever on waits no task can end another way.
    public var retryLeaks: [RetryLeakEntry]
    /// A Go dump's blocked goroutines by where they wait; absent for other sources.
    public var groups: [GroupEntry]?
    public var warnings: [String]
  }

  public struct Process: Codable, Equatable, Sendable {
    public var pid: Int32
    public var name: String
    public var source: String
    public var abiVersion: UInt32
    public var uptimeSeconds: Double
  }

  public struct Summary: Codable, Equatable, Sendable {
    public var tasks: Int
    public var running: Int
    public var blocked: Int
    public var ended: Int
    public var deadlockedTasks: Int
    /// Every live task is deadlocked.
    public var global: Bool
    public var acquisitions: UInt64
    public var contended: UInt64
    public var blocks: UInt64
    /// `deadlock`, `no-deadlock`, or `unknown` (facts the verdict needs were hidden).
    public var verdict: String?
    /// What the source could not see, when the verdict is unknown or may miss something.
    public var hiddenFacts: [String]?
  }

  public struct Site: Codable, Equatable, Sendable {
    public var file: String
    public var line: UInt32
    public var function: String
  }

  public struct DeadlockEntry: Codable, Equatable, Sendable {
    /// `cycle` or `held-by-ended-task`.
    public var kind: String
    /// `certain` or `likely`.
    public var certainty: String
    /// Every live task is deadlocked.
    public var global: Bool
    /// Names of every task in the finding: the cycle, the rest, then those behind it.
    public var tasks: [String]
    public var taskIds: [UInt64]
    /// Names of the resources the deadlocked tasks wait for.
    public var resources: [String]
    public var resourceIds: [UInt64]
    /// The cycle in order; each step's task waits for the next step's task.
    public var cycle: [Step]
    public var blockedBehind: [UInt64]
    public var endedHolders: [UInt64]
    /// The finding spelled out in one paragraph.
    public var explanation: String
    /// `global` (every live task is deadlocked) or `partial` (others run on).
    public var scope: String?
    /// Why it is certain, or the guess that makes it likely.
    public var reason: String?
  }

  public struct PotentialEntry: Codable, Equatable, Sendable {
    /// `lock-order` (a cycle of classes) or `read-write-read` (a read lock re-taken on
    /// one RWMutex whose class is write-locked elsewhere).
    public var kind: String
    /// Lock class labels around the cycle.
    public var locks: [String]
    public var orders: [OrderEntry]
    /// The number of the current deadlock it has become; absent while it has not happened.
    public var happening: Int?
  }

  public struct OrderEntry: Codable, Equatable, Sendable {
    public var holding: String
    public var holdingSite: Site?
    public var acquired: String
    public var acquiredSite: Site?
    public var task: UInt64
  }

  public struct ProfileEntry: Codable, Equatable, Sendable {
    public var locks: [ContentionEntry]
    public var sites: [ContentionEntry]
  }

  public struct ContentionEntry: Codable, Equatable, Sendable {
    /// A lock label, or `file:line in function`.
    public var name: String
    public var contended: UInt64
    public var totalWaitSeconds: Double
    public var maxWaitSeconds: Double
  }

  public struct LongWaitEntry: Codable, Equatable, Sendable {
    public var task: UInt64
    public var name: String
    public var seconds: Double
    public var holders: [UInt64]
    public var holderSites: [Site]
  }

  public struct Step: Codable, Equatable, Sendable {
    public var task: UInt64
    public var taskName: String
    /// `mutex`, `read-lock`, `write-lock` or `join`.
    public var waitKind: String
    public var resource: UInt64?
    public var resourceName: String?
    public var waitSite: Site?
    /// The next task in the cycle, and why: `holds` or `queued-writer` or `joins`.
    public var waitsFor: UInt64
    public var because: String
    /// Where the next task acquired the resource, for `holds`.
    public var heldSince: Site?
  }

  public struct TaskEntry: Codable, Equatable, Sendable {
    public var id: UInt64
    public var tid: Int32
    public var name: String
    public var state: String
    public var deadlocked: Bool
    public var wait: WaitEntry?
    public var holds: [HoldEntry]
    public var unlistedHolds: Int
    public var spawnSite: Site?
    public var parent: UInt64?
    public var endedSecondsAgo: Double?
    public var stale: Bool
    /// The kernel's view, for a process read through /proc.
    public var detail: String?
    public var cpuSeconds: Double?
    /// Innermost frame first; empty unless collected with --stacks.
    public var stack: [String]
  }

  public struct WaitEntry: Codable, Equatable, Sendable {
    public var kind: String
    public var resource: UInt64?
    public var resourceName: String?
    public var task: UInt64?
    public var seconds: Double
    public var site: Site?
    /// The tasks that must act for this wait to end, and whether `all`, `any` of them,
    /// or `anyTask` (any task that can progress may).
    public var waitsFor: [UInt64]
    public var needs: String
    /// A select's cases: `send` or `receive` and the channel.
    public var cases: [CaseEntry]?
    /// Seconds until the wait ends by itself (a timeout, a sleep).
    public var endsInSeconds: Double?
    /// True when `seconds` is a lower bound: the source saw when the wait was first
    /// seen, not when it began (a process read through /proc).
    public var secondsAtLeast: Bool?
  }

  public struct CaseEntry: Codable, Equatable, Sendable {
    public var operation: String
    public var resource: UInt64
    public var resourceName: String
  }

  public struct HoldEntry: Codable, Equatable, Sendable {
    public var resource: UInt64
    public var name: String
    public var kind: String
    /// `exclusive` or `shared`.
    public var mode: String
    public var site: Site?
  }

  public struct ResourceEntry: Codable, Equatable, Sendable {
    public var id: UInt64
    public var kind: String
    public var name: String?
    public var site: Site?
    public var holders: [HolderEntry]
    public var waiters: [UInt64]
    /// Channels, WaitGroups, Conds, semaphores (version 1 adds these fields):
    /// buffer size or permits; buffered values, counter or permits taken.
    public var capacity: Int?
    public var count: Int?
    public var closed: Bool?
    /// Tasks that have used it (or, with `members`, that hold it or that it waits for).
    public var users: [UInt64]?
    /// Channels (version 3): the users that have used it only through a receive-only or
    /// a send-only view. Absent when none has, or the source does not say.
    public var receiveOnlyUsers: [UInt64]?
    public var sendOnlyUsers: [UInt64]?
    public var members: Bool?
    /// Strong references from outside the runtime, as the sampler last counted them.
    public var references: Int?
  }

  public struct HolderEntry: Codable, Equatable, Sendable {
    public var task: UInt64
    public var mode: String
  }

  public static func document(_ analysis: Analysis, longWaitSeconds: Double = 10) -> Document {
    let snapshot = analysis.snapshot
    return Document(
      schema: schema, version: version,
      process: Process(
        pid: snapshot.process.pid, name: snapshot.process.name,
        source: snapshot.process.source.rawValue, abiVersion: snapshot.process.abiVersion,
        uptimeSeconds: rounded(snapshot.uptimeSeconds)),
      summary: Summary(
        tasks: snapshot.tasks.count, running: snapshot.taskCount(.running),
        blocked: snapshot.taskCount(.blocked),
        ended: snapshot.taskCount(.ended), deadlockedTasks: analysis.deadlocked.count,
        global: analysis.isGlobal, acquisitions: snapshot.counters.acquisitions,
        contended: snapshot.counters.contended, blocks: snapshot.counters.blocks,
        verdict: analysis.verdict.rawValue,
        hiddenFacts: snapshot.hiddenFacts.isEmpty ? nil : snapshot.hiddenFacts),
      deadlocks: analysis.deadlocks.enumerated().map { index, deadlock in
        entry(deadlock, number: index + 1, in: analysis)
      },
      hangs: analysis.starvedPools.map { entry($0, in: analysis) },
      potentialDeadlocks: analysis.potentialDeadlocks.map { potential in
        PotentialEntry(
          kind: potential.kind.rawValue, locks: potential.classes.map(\.label),
          orders: potential.edges.map { edge in
            OrderEntry(
              holding: edge.from.label, holdingSite: edge.fromSite.map(site), acquired: edge.to.label,
              acquiredSite: edge.toSite.map(site), task: edge.task)
          }, happening: potential.happening)
      },
      longWaits: analysis.longWaits(atLeast: longWaitSeconds).map { task in
        var holders: [(task: TaskID, hold: Hold)] = []
        if case .resource(let resource)? = task.wait?.target { holders = analysis.holders[resource] ?? [] }
        return LongWaitEntry(
          task: task.id, name: task.name,
          seconds: rounded(snapshot.seconds(since: task.wait?.sinceNanoseconds ?? 0)),
          holders: holders.map(\.task), holderSites: holders.compactMap { $0.hold.site.map(site) })
      },
      schedtrace: snapshot.schedtrace.suffix(16).map(\.line),
      events: snapshot.events.suffix(100).map { snapshot.describe(event: $0) },
      profile: ProfileEntry(
        locks: snapshot.resources.filter { $0.contention.contended > 0 }
          .sorted { $0.contention.totalWaitNanoseconds > $1.contention.totalWaitNanoseconds }.prefix(20)
          .map { contention(snapshot.label(resource: $0.id), $0.contention) },
        sites: snapshot.siteContention
          .sorted { $0.contention.totalWaitNanoseconds > $1.contention.totalWaitNanoseconds }.prefix(20)
          .map { contention($0.site.description, $0.contention) }),
      tasks: snapshot.tasks.map { entry($0, in: analysis) },
      resources: snapshot.resources.map { resource in
        ResourceEntry(
          id: resource.id, kind: resource.kind.rawValue, name: resource.name,
          site: resource.site.map(site),
          holders: (analysis.holders[resource.id] ?? []).map {
            HolderEntry(task: $0.task, mode: $0.hold.mode.rawValue)
          },
          waiters: analysis.waiters[resource.id] ?? [],
          capacity: resource.kind.isSynchronizer ? resource.capacity : nil,
          count: resource.kind.isSynchronizer || resource.kind == .atomic ? resource.count : nil,
          closed: resource.kind == .channel ? resource.closed : nil,
          users: resource.kind.isSynchronizer ? resource.users : nil,
          receiveOnlyUsers: Self.users(of: resource, onlyUsing: .mayReceive),
          sendOnlyUsers: Self.users(of: resource, onlyUsing: .maySend),
          members: resource.kind.isSynchronizer ? resource.listsMembers : nil,
          references: resource.references)
      },
      retryLeaks: analysis.retryLeaks.enumerated().map { index, leak in
        entry(leak, number: index + 1, in: analysis)
      },
      groups: snapshot.process.source == .goDump
        ? analysis.blockedGroups.map { entry($0, in: snapshot) } : nil,
      warnings: snapshot.warnings)
  }

  public static func render(_ analysis: Analysis, longWaitSeconds: Double = 10) -> String {
    let snapshot = analysis.snapshot
    var json = JSONWriter(capacity: 700 * (snapshot.tasks.count + snapshot.resources.count) + 8192)
    document(analysis, longWaitSeconds: longWaitSeconds).write(to: &json)
    json.raw("\n")
    return json.text.string
  }

  /// The users of a channel that have used it one way only; nil when there are none.
  static func users(of resource: ResourceInfo, onlyUsing way: ChannelUse) -> [UInt64]? {
    let oneWay = resource.users.filter { resource.oneWayUse(by: $0) == way }
    return oneWay.isEmpty ? nil : oneWay
  }

  static func entry(_ deadlock: Deadlock, number: Int, in analysis: Analysis) -> DeadlockEntry {
    let snapshot = analysis.snapshot
    let ids = deadlock.waitingTasks
    let resources = analysis.resources(of: deadlock)
    let steps = deadlock.cycleTasks.enumerated().map { position, task in
      let next = deadlock.cycleTasks[(position + 1) % deadlock.cycleTasks.count]
      return step(task, next: next, in: analysis)
    }
    let explanation = TextReport.describe(deadlock, number: number, in: analysis)
      .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    return DeadlockEntry(
      kind: deadlock.kind.rawValue, certainty: deadlock.certainty.rawValue,
      global: analysis.isGlobal,
      tasks: (ids + deadlock.endedHolders).map { snapshot.name(task: $0) },
      taskIds: ids + deadlock.endedHolders,
      resources: resources.map { snapshot.name(resource: $0) }, resourceIds: resources,
      cycle: steps, blockedBehind: deadlock.blockedBehind, endedHolders: deadlock.endedHolders,
      explanation: explanation, scope: analysis.isGlobal ? "global" : "partial", reason: deadlock.reason)
  }

  static func step(_ task: TaskID, next: TaskID, in analysis: Analysis) -> Step {
    let snapshot = analysis.snapshot
    let wait = snapshot.task(task)?.wait
    let edge = analysis.edge(from: task, to: next)
    var resource: ResourceID?
    if case .resource(let id)? = wait?.target { resource = id }
    let because: String
    var heldSince: Site?
    switch edge {
    case .holds(let hold)?:
      because = "holds"
      heldSince = hold.site.map(site)
    case .queuedWriter?: because = "queued-writer"
    case .mayUse?: because = "may-use"
    case .member?: because = "member"
    case .joins?, nil: because = "joins"
    }
    return Step(
      task: task, taskName: snapshot.name(task: task), waitKind: wait?.kind.rawValue ?? "",
      resource: resource, resourceName: resource.map { snapshot.name(resource: $0) },
      waitSite: wait?.site.map(site), waitsFor: next, because: because, heldSince: heldSince)
  }

  static func entry(_ task: TaskInfo, in analysis: Analysis) -> TaskEntry {
    let snapshot = analysis.snapshot
    let wait = task.wait.map { wait -> WaitEntry in
      var resource: ResourceID?
      var joined: TaskID?
      switch wait.target {
      case .resource(let id): resource = id
      case .task(let id): joined = id
      }
      let requirement = analysis.requirements[task.id]
      return WaitEntry(
        kind: wait.kind.rawValue, resource: resource,
        resourceName: resource.map { snapshot.name(resource: $0) }, task: joined,
        seconds: rounded(snapshot.seconds(since: wait.sinceNanoseconds)),
        site: wait.site.map(site), waitsFor: requirement?.tasks ?? [],
        needs: requirement?.mode.rawValue ?? "all",
        cases: wait.cases.isEmpty
          ? nil
          : wait.cases.map {
            CaseEntry(
              operation: $0.operation.rawValue, resource: $0.resource,
              resourceName: snapshot.name(resource: $0.resource))
          },
        endsInSeconds: wait.deadlineNanoseconds.map {
          rounded($0 > snapshot.takenAtNanoseconds ? Double($0 - snapshot.takenAtNanoseconds) / 1e9 : 0)
        }, secondsAtLeast: wait.sinceIsLowerBound ? true : nil)
    }
    return TaskEntry(
      id: task.id, tid: task.osThreadID, name: task.name, state: task.state.rawValue,
      deadlocked: analysis.deadlocked.contains(task.id), wait: wait,
      holds: task.holds.map { hold in
        HoldEntry(
          resource: hold.resource, name: snapshot.name(resource: hold.resource),
          kind: snapshot.kind(ofResource: hold.resource)?.rawValue ?? "unknown",
          mode: hold.mode.rawValue, site: hold.site.map(site))
      },
      unlistedHolds: task.unlistedHolds, spawnSite: task.spawnSite.map(site), parent: task.parent,
      endedSecondsAgo: task.endedAtNanoseconds.map { rounded(snapshot.seconds(since: $0)) },
      stale: task.stale, detail: task.detail, cpuSeconds: task.cpuSeconds.map(rounded),
      stack: task.stack)
  }

  static func contention(_ name: String, _ contention: Contention) -> ContentionEntry {
    ContentionEntry(
      name: name, contended: contention.contended,
      totalWaitSeconds: rounded(Double(contention.totalWaitNanoseconds) / 1e9),
      maxWaitSeconds: rounded(Double(contention.maxWaitNanoseconds) / 1e9))
  }

  static func site(_ site: CallSite) -> Site {
    Site(file: site.file, line: site.line, function: site.function)
  }

  static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
