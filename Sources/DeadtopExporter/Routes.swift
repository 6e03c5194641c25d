/// What each request gets, as a pure function of the request line and the current view:
/// the HTTP server only moves bytes.
public enum ExporterRoutes {
  public struct Response: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String
  }

  static let text = "text/plain; charset=utf-8"
  static let json = "application/json"
  /// The Prometheus text exposition format.
  static let exposition = "text/plain; version=0.0.4; charset=utf-8"

  public static func respond(method: String, uri: String, view: FleetView, longWaitSeconds: Double = 10)
    -> Response
  {
    guard method == "GET" || method == "HEAD" else {
      return Response(status: 405, contentType: text, body: "only GET is served\n")
    }
    let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
    switch parts.count {
    case 0:
      return Response(
        status: 200, contentType: text,
        body:
          "deadtop exporter\n  /metrics    Prometheus metrics\n  /processes  the watched processes (JSON)\n"
          + "  /processes/PID/report  the --once --json report of one\n  /healthz\n")
    case 1 where parts[0] == "metrics":
      return Response(status: 200, contentType: exposition, body: view.metrics)
    case 1 where parts[0] == "processes":
      return Response(status: 200, contentType: json, body: view.processesJSON())
    case 1 where parts[0] == "healthz": return Response(status: 200, contentType: text, body: "ok\n")
    case 3 where parts[0] == "processes" && parts[2] == "report":
      guard let pid = Int32(parts[1]), pid > 0 else {
        return Response(status: 400, contentType: text, body: "not a pid: \(parts[1])\n")
      }
      guard let report = view.report(pid: pid, longWaitSeconds: longWaitSeconds) else {
        return Response(
          status: 404, contentType: text, body: "process \(pid) is not watched or could not be read\n")
      }
      return Response(status: 200, contentType: json, body: report)
    default:
      return Response(status: 404, contentType: text, body: "no such page: \(path)\n")
    }
  }
}
