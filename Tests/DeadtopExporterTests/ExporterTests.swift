import DeadtopCore
import Testing

@testable import DeadtopExporter

/// An AB-BA between two threads of process `pid`, as a source would read it.
func abba(pid: Int32) -> Analysis {
  let now: UInt64 = 10_000_000_000
  let waitStart = now - 3_000_000_000
  let tasks = [
    TaskInfo(
      id: 1, name: "transfer", state: .blocked,
      wait: Wait(kind: .mutex, target: .resource(20), sinceNanoseconds: waitStart, sequence: 1),
      holds: [Hold(resource: 10, mode: .exclusive)]),
    TaskInfo(
      id: 2, name: "audit", state: .blocked,
      wait: Wait(kind: .mutex, target: .resource(10), sinceNanoseconds: waitStart, sequence: 2),
      holds: [Hold(resource: 20, mode: .exclusive)]),
    TaskInfo(id: 3, name: "main", state: .running),
  ]
  let snapshot = Snapshot(
    process: ProcessSummary(pid: pid, name: "bank", source: .runtime), takenAtNanoseconds: now, tasks: tasks,
    resources: [
      ResourceInfo(id: 10, kind: .mutex, name: "accounts"),
      ResourceInfo(id: 20, kind: .mutex, name: "ledger"),
    ])
  return Analysis(snapshot)
}

@Suite struct FleetMetricsTests {
  @Test func aDeadlockedProcessIsNamedByItsLabelsAndCounted() {
    let metrics = FleetMetrics()
    var segments = Fleet.SegmentCounts()
    segments.readable = 1
    segments.stale = 2
    metrics.update(
      members: [Fleet.Member(pid: 7, name: "bank", source: .runtime, analysis: abba(pid: 7))],
      segments: segments,
      refreshSeconds: 0.002)
    let text = metrics.exposition()
    let identity = #"pid="7",name="bank",source="runtime""#
    #expect(
      text.contains(#"deadtop_deadlocks{\#(identity),kind="cycle",certainty="certain"} 1.0"#), "\(text)")
    #expect(text.contains(#"deadtop_deadlocks{\#(identity),kind="cycle",certainty="likely"} 0.0"#))
    #expect(text.contains("deadtop_deadlocked_tasks{\(identity)} 2.0"))
    #expect(text.contains("deadtop_retry_leaks{\(identity)} 0.0"))
    #expect(text.contains(#"deadtop_tasks{\#(identity),state="blocked"} 2.0"#))
    #expect(text.contains(#"deadtop_blocked_tasks{\#(identity),wait="mutex"} 2.0"#))
    #expect(text.contains("deadtop_longest_wait_seconds{\(identity)} 3.0"))
    #expect(text.contains("deadtop_up{\(identity)} 1.0"))
    #expect(text.contains(#"deadtop_segments{state="stale"} 2.0"#))
    #expect(text.contains("# TYPE deadtop_deadlocks gauge"))
    #expect(text.contains("# HELP deadtop_deadlocks Confirmed deadlocks by kind and certainty."))
  }

  @Test func aProcessThatIsGoneLosesItsSeries() {
    let metrics = FleetMetrics()
    metrics.update(
      members: [Fleet.Member(pid: 7, name: "bank", source: .runtime, analysis: abba(pid: 7))],
      segments: Fleet.SegmentCounts(), refreshSeconds: 0)
    metrics.update(members: [], segments: Fleet.SegmentCounts(), refreshSeconds: 0)
    let text = metrics.exposition()
    #expect(!text.contains(#"pid="7""#), "\(text)")
    #expect(text.contains("deadtop_watched_processes 0.0"))
  }

  @Test func anUnreadableProcessIsDownWithNoOtherSeries() {
    let metrics = FleetMetrics()
    metrics.update(
      members: [Fleet.Member(pid: 9, name: "svc", source: .runtime, problem: "corrupt")],
      segments: Fleet.SegmentCounts(), refreshSeconds: 0)
    let text = metrics.exposition()
    #expect(text.contains(#"deadtop_up{pid="9",name="svc",source="runtime"} 0.0"#))
    #expect(!text.contains(#"deadtop_tasks{pid="9""#))
  }
}

@Suite struct ExporterRoutesTests {
  let view = FleetView(
    metrics: "deadtop_watched_processes 1.0\n",
    processes: [], analyses: [7: abba(pid: 7)], refreshedAt: .init())

  @Test func eachPageAndItsContentType() {
    let metrics = ExporterRoutes.respond(method: "GET", uri: "/metrics", view: view)
    #expect(metrics.status == 200)
    #expect(metrics.contentType.hasPrefix("text/plain; version=0.0.4"))
    #expect(ExporterRoutes.respond(method: "GET", uri: "/healthz", view: view).body == "ok\n")
    let report = ExporterRoutes.respond(method: "GET", uri: "/processes/7/report?x=1", view: view)
    #expect(report.status == 200)
    #expect(report.body.contains("\"transfer\""))
  }

  @Test func badRequestsAreRefusedWithTheirStatus() {
    #expect(ExporterRoutes.respond(method: "POST", uri: "/metrics", view: view).status == 405)
    #expect(ExporterRoutes.respond(method: "GET", uri: "/nothing", view: view).status == 404)
    #expect(ExporterRoutes.respond(method: "GET", uri: "/processes/abc/report", view: view).status == 400)
    #expect(ExporterRoutes.respond(method: "GET", uri: "/processes/8/report", view: view).status == 404)
    #expect(ExporterRoutes.respond(method: "GET", uri: "/processes/-3/report", view: view).status == 400)
  }
}
