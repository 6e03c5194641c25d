import DeadtopCore
import Prometheus

/// The fleet as Prometheus metrics (swift-prometheus's registry and exposition). Every
/// per-process series has the labels `pid`, `name` (the process's command name) and
/// `source` (`runtime` or `proc`), and a bounded set of values for the rest (task
/// states, wait kinds, finding kinds), so no label grows without bound. A process that
/// is no longer watched loses its series on the next refresh.
public final class FleetMetrics {
  public let registry = PrometheusCollectorRegistry()
  /// Each process's series, to reset or remove them as a whole.
  private var gauges: [Int32: [String: Gauge]] = [:]
  private var counters: [Int32: [String: (counter: Counter, last: UInt64)]] = [:]

  private let processes: Gauge
  private let segments: [String: Gauge]
  private let refreshSeconds: Gauge

  public init() {
    processes = registry.makeGauge(
      descriptor: Self.name("watched_processes", "", "Processes the exporter watches."), labels: [])
    let segmentName = Self.name(
      "segments", "", "Segments in /dev/shm by state: readable, stale (process ended), unreadable.")
    var segments: [String: Gauge] = [:]
    for state in ["readable", "stale", "unreadable"] {
      segments[state] = registry.makeGauge(descriptor: segmentName, labels: [("state", state)])
    }
    self.segments = segments
    refreshSeconds = registry.makeGauge(
      descriptor: Self.name(
        "refresh_duration", "seconds", "How long the last refresh of every process took."),
      labels: [])
  }

  static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(namespace: "deadtop", metricName: metric, unitName: unit, helpText: help)
  }

  static var tasks: MetricNameDescriptor { name("tasks", "", "Tasks (threads via /proc) by state.") }
  static var blocked: MetricNameDescriptor {
    name("blocked_tasks", "", "Blocked tasks by what they wait on.")
  }
  static var deadlocks: MetricNameDescriptor {
    name("deadlocks", "", "Confirmed deadlocks by kind and certainty.")
  }
  static var deadlocked: MetricNameDescriptor {
    name("deadlocked_tasks", "", "Tasks in a confirmed deadlock or blocked behind one.")
  }
  static var hangs: MetricNameDescriptor {
    name("hangs", "", "Starved thread pools (every Swift concurrency pool thread blocked).")
  }
  static var retryLeaks: MetricNameDescriptor {
    name(
      "retry_leaks", "", "Tasks that retry forever on waits only their timers end (leaked, not deadlocked).")
  }
  static var potential: MetricNameDescriptor {
    name("potential_deadlocks", "", "Lock-order cycles that have not deadlocked.")
  }
  static var longestWait: MetricNameDescriptor {
    name(
      "longest_wait", "seconds", "The longest current wait (a lower bound via /proc).")
  }
  static var readable: MetricNameDescriptor {
    name("up", "", "1 when the process could be read on the last refresh, else 0.")
  }
  static var acquisitions: MetricNameDescriptor {
    name("acquisitions", "total", "Lock acquisitions the runtime counted.")
  }
  static var contended: MetricNameDescriptor {
    name("contended_acquisitions", "total", "Acquisitions that found the lock held.")
  }
  static var blocks: MetricNameDescriptor { name("blocks", "total", "Times a task blocked in the runtime.") }

  /// Sets every series from the fleet's last refresh.
  public func update(from fleet: Fleet, refreshSeconds seconds: Double) {
    update(members: fleet.members, segments: fleet.segments, refreshSeconds: seconds)
  }

  public func update(
    members: [Fleet.Member], segments counts: Fleet.SegmentCounts, refreshSeconds seconds: Double
  ) {
    let present = Set(members.map(\.pid))
    for pid in Set(gauges.keys).union(counters.keys) where !present.contains(pid) { remove(pid) }
    for member in members { update(member) }
    processes.set(Double(members.count))
    segments["readable"]?.set(Double(counts.readable))
    segments["stale"]?.set(Double(counts.stale))
    segments["unreadable"]?.set(Double(counts.unreadable))
    refreshSeconds.set(seconds)
  }

  public func exposition() -> String { registry.emitToString() }

  private func update(_ member: Fleet.Member) {
    let identity = [("pid", "\(member.pid)"), ("name", member.name), ("source", member.source.rawValue)]
    // Every series of the process starts at zero; what the analysis shows is set below.
    for gauge in gauges[member.pid, default: [:]].values { gauge.set(Double(0)) }
    func gauge(_ descriptor: MetricNameDescriptor, _ value: Double, labels: [(String, String)] = []) {
      let key = descriptor.name + labels.map { "|\($0.0)=\($0.1)" }.joined()
      let series =
        gauges[member.pid]?[key]
        ?? registry.makeGauge(descriptor: descriptor, labels: identity + labels)
      gauges[member.pid, default: [:]][key] = series
      series.set(value)
    }
    gauge(Self.readable, member.analysis == nil ? 0 : 1)
    guard let analysis = member.analysis else { return }
    let snapshot = analysis.snapshot
    for state in TaskState.allCases {
      gauge(Self.tasks, Double(snapshot.taskCount(state)), labels: [("state", state.rawValue)])
    }
    var byKind: [String: Int] = [:]
    var longest = 0.0
    for task in snapshot.tasks where task.state == .blocked {
      guard let wait = task.wait else { continue }
      byKind[wait.kind.rawValue, default: 0] += 1
      if wait.kind != .sleep { longest = max(longest, snapshot.seconds(since: wait.sinceNanoseconds)) }
    }
    for (kind, count) in byKind { gauge(Self.blocked, Double(count), labels: [("wait", kind)]) }
    struct Finding: Hashable {
      let kind: Deadlock.Kind
      let certainty: Deadlock.Certainty
    }
    // Both certainties of a cycle always have a series, so `deadtop_deadlocks > 0` has a value to test.
    var findings: [Finding: Int] = [
      Finding(kind: .cycle, certainty: .certain): 0, Finding(kind: .cycle, certainty: .likely): 0,
    ]
    for deadlock in analysis.deadlocks {
      findings[Finding(kind: deadlock.kind, certainty: deadlock.certainty), default: 0] += 1
    }
    for (finding, count) in findings {
      gauge(
        Self.deadlocks, Double(count),
        labels: [("kind", finding.kind.rawValue), ("certainty", finding.certainty.rawValue)])
    }
    gauge(Self.deadlocked, Double(analysis.deadlocked.count))
    gauge(Self.hangs, Double(analysis.starvedPools.count))
    gauge(Self.retryLeaks, Double(analysis.retryLeaks.count))
    gauge(Self.potential, Double(analysis.potentialDeadlocks.filter { $0.happening == nil }.count))
    gauge(Self.longestWait, longest)
    if snapshot.process.source == .runtime {
      count(member, identity, Self.acquisitions, snapshot.counters.acquisitions)
      count(member, identity, Self.contended, snapshot.counters.contended)
      count(member, identity, Self.blocks, snapshot.counters.blocks)
    }
  }

  /// A counter follows the runtime's own count: it grows by what the count grew.
  private func count(
    _ member: Fleet.Member, _ identity: [(String, String)], _ descriptor: MetricNameDescriptor,
    _ value: UInt64
  ) {
    let entry =
      counters[member.pid]?[descriptor.name]
      ?? (registry.makeCounter(descriptor: descriptor, labels: identity), 0)
    if value > entry.last { entry.counter.increment(by: Int64(value - entry.last)) }
    counters[member.pid, default: [:]][descriptor.name] = (entry.counter, max(value, entry.last))
  }

  private func remove(_ pid: Int32) {
    for gauge in gauges[pid]?.values ?? [:].values { registry.unregisterGauge(gauge) }
    for entry in counters[pid]?.values ?? [:].values { registry.unregisterCounter(entry.counter) }
    gauges[pid] = nil
    counters[pid] = nil
  }
}
