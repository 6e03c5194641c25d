import DeadtopReader
import DeadtopReports
import Foundation
import Testing

/// `deadtop-exporter` started as `deadtop serve` starts it, on a free loopback port.
final class Exporter {
  let process: Subprocess
  let port: Int

  init(_ arguments: [String] = []) throws {
    process = try Subprocess(
      executable: Binaries.directory.appendingPathComponent("deadtop-exporter").path,
      arguments: ["--listen", "127.0.0.1:0", "--interval", "200"] + arguments, output: .pipe, errors: .discard
    )
    var printed = ""
    let deadline = Date().addingTimeInterval(20)
    while !printed.contains("\n") && Date() < deadline { printed += process.read(waitingUpTo: 100) }
    guard
      let port = printed.split(separator: ":").last.flatMap({
        Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
      })
    else { throw HarnessError("the exporter printed \(printed)") }
    self.port = port
  }

  deinit { process.terminate() }

  func get(_ path: String, method: String = "GET") throws -> HTTPReply {
    try HTTPReply.fetch(port: port, request: "\(method) \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n")
  }

  /// Fetches `path` until `condition` holds on its body (or the deadline passes).
  func get(_ path: String, within seconds: Double = 20, until condition: (String) -> Bool) throws -> HTTPReply
  {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
      let reply = try get(path)
      if condition(reply.body) || Date() > deadline { return reply }
      usleep(100_000)
    }
  }
}

/// One HTTP/1.0 exchange over a plain socket: what a scraper sends.
struct HTTPReply {
  var status: Int
  var body: String

  static func fetch(port: Int, request: String, host: String = "127.0.0.1") throws -> HTTPReply {
    let text = try exchange(port: port, request: request, host: host)
    guard let headerEnd = text.range(of: "\r\n\r\n") else { throw HarnessError("no reply: \(text)") }
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    return HTTPReply(status: status, body: String(text[headerEnd.upperBound...]))
  }

  static func exchange(port: Int, request: String, host: String = "127.0.0.1") throws -> String {
    let socket = try connected(port: port, host: host)
    defer { close(socket) }
    _ = Array(request.utf8).withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func connected(port: Int, host: String = "127.0.0.1") throws -> Int32 {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    // A reply that never comes fails the test instead of hanging it.
    var timeout = timeval(tv_sec: 15, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host, &address.sin_addr)
    let result = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard result == 0 else {
      close(socket)
      throw HarnessError("cannot connect to \(host):\(port)")
    }
    return socket
  }
}

@Suite(.serialized) struct ExporterEndToEndTests {
  @Test(.needsCompiler) func metricsAndReportsNameEveryDeadlockedProcess() throws {
    let demo = try DemoProcess("abba")
    let program = try CProgram("abba")
    let exporter = try Exporter(["--watch", "\(program.pid)"])
    let certain = { (pid: Int32) in "deadtop_deadlocks{pid=\"\(pid)\",name=" }
    let metrics = try exporter.get("/metrics") { body in
      [demo.pid, program.pid].allSatisfy { pid in
        body.split(separator: "\n").contains {
          $0.hasPrefix(certain(pid)) && $0.contains("certainty=\"certain\"") && $0.hasSuffix(" 1.0")
        }
      }
    }
    #expect(metrics.status == 200)
    #expect(
      metrics.body.contains("deadtop_deadlocks{pid=\"\(demo.pid)\",name=\"deadtop-demo\",source=\"runtime\""))
    #expect(
      metrics.body.contains("deadtop_deadlocks{pid=\"\(program.pid)\",name=\"abba\",source=\"proc\""),
      "\(metrics.body)")
    #expect(metrics.body.contains("deadtop_acquisitions_total{pid=\"\(demo.pid)\""))

    let processes = try exporter.get("/processes")
    let rows = try JSONDecoder().decode([ProcessRow].self, from: Data(processes.body.utf8))
    #expect(rows.first { $0.pid == demo.pid }?.verdict == "deadlock")
    #expect(rows.first { $0.pid == program.pid }?.source == "proc")

    // The report is --once --json's: the identity of the cycle.
    let report = try exporter.get("/processes/\(demo.pid)/report")
    let document = try JSONDecoder().decode(JSONReport.Document.self, from: Data(report.body.utf8))
    let deadlock = try #require(document.deadlocks.first)
    #expect(Set(deadlock.cycle.map(\.taskName)) == ["pay-alice-bob", "pay-bob-alice"])
    #expect(Set(deadlock.resources) == ["account-alice", "account-bob"])
  }

  struct ProcessRow: Decodable {
    var pid: Int32
    var source: String
    var verdict: String
  }

  @Test(.needsPrometheus) func aRealPrometheusScrapesTheDeadlocks() throws {
    let demo = try DemoProcess("philosophers")
    let exporter = try Exporter()
    let prometheus = try PrometheusServer(scraping: exporter.port)
    let deadline = Date().addingTimeInterval(60)
    var answer = ""
    while Date() < deadline {
      answer = (try? prometheus.query("deadtop_deadlocks{certainty=\"certain\",pid=\"\(demo.pid)\"}")) ?? ""
      if answer.contains("\"value\":[") && answer.contains("\"1\"]") { break }
      usleep(250_000)
    }
    #expect(answer.contains("\"pid\":\"\(demo.pid)\""), "\(answer)")
    #expect(answer.contains("\"kind\":\"cycle\""))
    #expect(answer.contains("\"1\"]"))
    let tasks = try prometheus.query("deadtop_deadlocked_tasks{pid=\"\(demo.pid)\"}")
    // Five philosophers, and main, which waits to join them.
    #expect(tasks.contains("\"6\"]"), "\(tasks)")
  }

  @Test func badInputNeverBreaksTheExporter() throws {
    // A segment that is not one, for a live process; a process that ends mid-watch.
    let sleeper = try Subprocess(
      executable: "/bin/sleep", arguments: ["60"], output: .discard, errors: .discard)
    defer { sleeper.terminate() }
    let corrupt = "/dev/shm/deadtop.\(sleeper.pid)"
    try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: corrupt))
    defer { unlink(corrupt) }
    let leaving = try DemoProcess("abba")
    let exporter = try Exporter()
    let seen = try exporter.get("/metrics") {
      $0.contains("pid=\"\(leaving.pid)\"") && $0.contains("pid=\"\(sleeper.pid)\"")
    }
    #expect(
      seen.body.contains("deadtop_up{pid=\"\(sleeper.pid)\",name=\"sleep\",source=\"runtime\"} 0.0"),
      "\(seen.body)")
    #expect(!seen.body.contains("deadtop_segments{state=\"unreadable\"} 0.0"))
    let processes = try exporter.get("/processes")
    #expect(processes.body.contains("\"verdict\" : \"unreadable\""))

    // A slow client holds only its own connection.
    let slow = try HTTPReply.connected(port: exporter.port)
    defer { close(slow) }
    _ = Array("GET /metr".utf8).withUnsafeBytes { send(slow, $0.baseAddress, $0.count, 0) }
    #expect(try exporter.get("/healthz").status == 200)

    // The process ends between refreshes: its series go, the exporter stays.
    leaving.process.terminate()
    let after = try exporter.get("/metrics") { !$0.contains("pid=\"\(leaving.pid)\"") }
    #expect(after.status == 200)
    #expect(!after.body.contains("pid=\"\(leaving.pid)\""))

    // Requests it does not serve.
    #expect(try exporter.get("/metrics", method: "POST").status == 405)
    #expect(try exporter.get("/processes/\(leaving.pid)/report").status == 404)
    let garbage = try HTTPReply.exchange(port: exporter.port, request: "NOT HTTP AT ALL\r\n\r\n")
    #expect(garbage.hasPrefix("HTTP/1.1 400"), "\(garbage)")
    #expect(try exporter.get("/healthz").status == 200)
  }

  @Test func fiftyWatchedProcessesAreAllServed() throws {
    let demos = try (0..<50).map { _ in try DemoProcess("double-lock") }
    let exporter = try Exporter()
    let pids = Set(demos.map(\.pid))
    let reply = try exporter.get("/processes", within: 60) { body in
      pids.allSatisfy { body.contains("\"pid\" : \($0),") } && !body.contains("\"deadlocks\" : 0")
    }
    let rows = try JSONDecoder().decode([ProcessRow].self, from: Data(reply.body.utf8))
    #expect(pids.isSubset(of: Set(rows.map(\.pid))))
    #expect(rows.filter { pids.contains($0.pid) }.allSatisfy { $0.verdict == "deadlock" })
  }

  @Test func itRefusesToListenBeyondLoopbackUnlessTold() throws {
    let refused = try run(Binaries.deadtop, ["serve", "--listen", "0.0.0.0:0"])
    #expect(refused.status == 1)
    #expect(refused.error.contains("not a loopback address: add --allow-remote"))
    #expect(refused.error.split(separator: "\n").count == 1)
  }
}

/// Debian's Prometheus, started on a free loopback port with a scrape of the exporter
/// every second, queried through its HTTP API.
final class PrometheusServer {
  let process: Subprocess
  let port: Int
  let directory: String

  init(scraping exporterPort: Int) throws {
    directory = NSTemporaryDirectory() + "deadtop-prometheus-\(getpid())-\(exporterPort)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    port = try Self.freePort()
    let config = """
      global:
        scrape_interval: 1s
        evaluation_interval: 1s
      rule_files: ["\(Self.rulesPath)"]
      scrape_configs:
        - job_name: deadtop
          static_configs:
            - targets: ["127.0.0.1:\(exporterPort)"]
      """
    try config.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
    process = try Subprocess(
      executable: "/usr/bin/prometheus",
      arguments: [
        "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
        "--web.listen-address=127.0.0.1:\(port)",
      ], output: .discard, errors: .discard)
  }

  deinit {
    process.terminate()
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// The repository's example alert rules, loaded so that they are checked too.
  static var rulesPath: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "../../deploy/deadtop-alerts.yml"
    )
    .standardized.path
  }

  func query(_ expression: String) throws -> String {
    var allowed = CharacterSet.urlQueryAllowed
    allowed.remove(charactersIn: "&+=\"{}")
    let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
    return try HTTPReply.fetch(
      port: port, request: "GET /api/v1/query?query=\(encoded) HTTP/1.0\r\nHost: localhost\r\n\r\n"
    ).body
  }

  static func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
        _ = bind(socket, pointer, length)
        return getsockname(socket, pointer, &length)
      }
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
