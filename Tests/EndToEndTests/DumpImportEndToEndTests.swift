import DeadtopReader
import DeadtopReports
import Foundation
import Testing

/// `deadtop import` on real dumps of real programs, made in the test with the real tools:
/// Go's own tracebacks (a panic, its "all goroutines are asleep" fatal error, SIGQUIT)
/// and `jstack` on a running JVM.
@Suite(.serialized) struct DumpImportEndToEndTests {
  static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
  static let work = NSTemporaryDirectory() + "deadtop-dumps-\(getpid())"
  static let hasGo = FileManager.default.isExecutableFile(atPath: "/usr/bin/go")
  static let hasJava = ["/usr/bin/javac", "/usr/bin/java", "/usr/bin/jstack"].allSatisfy {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// Builds a program of Tests/GoPrograms, runs it to its end, and saves what it printed
  /// on standard error: its goroutine dump.
  static func goDump(_ name: String) throws -> String {
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let binary = "\(work)/\(name)"
    let environment = ["GOCACHE": "\(work)/go-cache", "HOME": work, "PATH": "/usr/bin:/bin"]
    let built = try run(
      URL(fileURLWithPath: "/usr/bin/go"),
      ["build", "-o", binary, programs.appendingPathComponent("GoPrograms/\(name).go").path],
      environment: environment)
    guard built.status == 0 else { throw HarnessError("go build \(name) failed: \(built.error)") }
    let ran = try run(URL(fileURLWithPath: binary), [], environment: ["GOTRACEBACK": "all"])
    let path = "\(work)/\(name).txt"
    try ran.error.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func report(_ outcome: Outcome) throws -> JSONReport.Document {
    try JSONDecoder().decode(JSONReport.Document.self, from: Data(outcome.output.utf8))
  }

  @Test(.enabled(if: hasGo, "Go is not installed: scripts/setup installs golang-go"))
  func aPanicsDumpGroupsItsGoroutinesAndFindsWhatItProves() throws {
    let dump = try Self.goDump("leaks")
    let outcome = try deadtop("import", dump, "--once")
    #expect(outcome.output.hasPrefix("A Go goroutine dump \"leaks.txt\": "), "\(outcome.output)")
    // The one wait a dump proves never ends: a select with no cases.
    #expect(outcome.status == 3, "\(outcome.output)")
    #expect(outcome.output.contains("waits to select {} (forever)"))
    let source = Self.programs.appendingPathComponent("GoPrograms/leaks.go").path
    let lines = try String(contentsOfFile: source, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    let receiveLine = (lines.firstIndex { $0.contains("<-results") } ?? 0) + 1
    let spawnLine = (lines.firstIndex { $0.contains("go waitForResult") } ?? 0) + 1
    #expect(
      outcome.output.contains(
        "3 goroutines in chan receive at \(source):\(receiveLine) in main.waitForResult"))
    #expect(outcome.output.contains("1 goroutine in semacquire in sync.Mutex.Lock on mutex \"sync.Mutex 0x"))
    #expect(outcome.output.contains("spawned at \(source):\(spawnLine) in main.main"))
    let document = try Self.report(try deadtop("import", dump, "--once", "--json"))
    #expect(document.process.source == "go-dump")
    #expect(document.deadlocks.count == 1)
    #expect(document.deadlocks.first?.certainty == "certain")
    let receivers = try #require(document.groups?.first)
    #expect(receivers.wait == "chan receive" && receivers.taskIds.count == 3)
    #expect(document.tasks.first { $0.name == "main.waitForResult" }?.wait?.kind == "receive")
  }

  @Test(.enabled(if: hasGo, "Go is not installed: scripts/setup installs golang-go"))
  func goDeclaringEveryGoroutineAsleepIsACertainGlobalDeadlock() throws {
    let dump = try Self.goDump("asleep")
    let outcome = try deadtop("import", dump, "--once", "--json")
    #expect(outcome.status == 3)
    let document = try Self.report(outcome)
    #expect(document.summary.global)
    let finding = try #require(document.deadlocks.first)
    #expect(finding.certainty == "certain")
    #expect(finding.reason?.contains("all goroutines are asleep") == true)
    #expect(Set(finding.tasks) == ["main.main", "main.main.func1"])
  }

  /// Must not report: a busy server's SIGQUIT dump has goroutines in channel receives,
  /// selects and I/O, none proven stuck. A dump cannot prove the contrary either.
  @Test(.enabled(if: hasGo, "Go is not installed: scripts/setup installs golang-go"))
  func aBusyServersDumpReportsNoDeadlockAndSaysWhyItCannotTell() throws {
    let dump = try Self.goDump("server")
    let outcome = try deadtop("import", dump, "--once", "--json")
    let document = try Self.report(outcome)
    #expect(document.deadlocks.isEmpty, "\(outcome.output)")
    #expect(document.summary.verdict == "unknown")
    #expect(outcome.status == 4)
    // The idle workers, grouped where they range over the jobs channel.
    let source = Self.programs.appendingPathComponent("GoPrograms/server.go").path
    let lines = try String(contentsOfFile: source, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    let workerLine = UInt32((lines.firstIndex { $0.contains("range jobs") } ?? 0) + 1)
    #expect(
      document.groups?.contains { $0.wait == "chan receive" && $0.site?.line == workerLine } == true,
      "\(outcome.output)")
  }

  @Test(.enabled(if: hasGo, "Go is not installed: scripts/setup installs golang-go"))
  func aDumpOnStandardInputReadsTheSame() throws {
    let dump = try Self.goDump("asleep")
    let outcome = try run(
      URL(fileURLWithPath: "/bin/sh"), ["-c", "'\(Binaries.deadtop.path)' import - --once < '\(dump)'"])
    #expect(outcome.status == 3)
    #expect(outcome.output.contains("A Go goroutine dump \"standard input\""))
  }

  /// Compiles and starts a program of Tests/JavaPrograms, waits for the line it prints
  /// when it is where the test wants it, and returns its `jstack` dump.
  /// `tool`: `jstack` with its flags, or `jcmd` with its command (`Thread.print`).
  static func javaDump(_ name: String, readyLine: String, tool: [String] = ["jstack"]) throws -> String {
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let compiled = try run(
      URL(fileURLWithPath: "/usr/bin/javac"),
      ["-d", work, programs.appendingPathComponent("JavaPrograms/\(name).java").path])
    guard compiled.status == 0 else { throw HarnessError("javac \(name) failed: \(compiled.error)") }
    let jvm = try Subprocess(
      executable: "/usr/bin/java", arguments: ["-cp", work, name], output: .pipe, errors: .discard)
    defer { jvm.terminate() }
    var printed = ""
    let deadline = Date().addingTimeInterval(30)
    while !printed.contains(readyLine) && Date() < deadline { printed += jvm.read(waitingUpTo: 100) }
    guard printed.contains(readyLine) else { throw HarnessError("\(name) printed \(printed)") }
    let rest = Array(tool.dropFirst())
    let arguments = tool[0] == "jcmd" ? ["\(jvm.pid)"] + rest : rest + ["\(jvm.pid)"]
    let dumped = try run(URL(fileURLWithPath: "/usr/bin/" + tool[0]), arguments)
    guard dumped.status == 0 else { throw HarnessError("\(tool[0]) failed: \(dumped.error)") }
    let path = "\(work)/\(name)-\(tool.joined(separator: "-")).txt"
    try dumped.output.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(
    .enabled(if: hasJava, "a JDK is not installed: scripts/setup installs default-jdk-headless"),
    arguments: [["jstack"], ["jstack", "-l"], ["jcmd", "Thread.print"]])
  func jstacksMonitorAndLockCyclesAreCertainDeadlocks(_ tool: [String]) throws {
    let dump = try Self.javaDump("LockCycles", readyLine: "deadlocked", tool: tool)
    let outcome = try deadtop("import", dump, "--once", "--json")
    #expect(outcome.status == 3)
    let document = try Self.report(outcome)
    #expect(document.process.source == "java-dump")
    let cycles = Set(document.deadlocks.map { Set($0.tasks) })
    #expect(cycles == [["transfer", "audit-ledger"], ["auditor", "reporter"]], "\(outcome.output)")
    #expect(document.deadlocks.allSatisfy { $0.certainty == "certain" && $0.kind == "cycle" })
    let text = try deadtop("import", dump, "--once").output
    #expect(text.contains("Deadlock 1: cycle of 2 threads (certain)"))
    #expect(text.contains("(a java.lang.Object)\" is held by thread"))
    #expect(text.contains("at LockCycles.java:"))
  }

  @Test(.enabled(if: hasJava, "a JDK is not installed: scripts/setup installs default-jdk-headless"))
  func aHealthyJVMsDumpReportsNoDeadlock() throws {
    let dump = try Self.javaDump("Healthy", readyLine: "ready")
    let outcome = try deadtop("import", dump, "--once", "--json")
    let document = try Self.report(outcome)
    #expect(document.deadlocks.isEmpty, "\(outcome.output)")
    #expect(outcome.status == 0)
    #expect(document.tasks.contains { $0.name == "sleeper" && $0.wait?.kind == "sleep" })
  }

  @Test func whatIsNotADumpIsOneClearLine() throws {
    try FileManager.default.createDirectory(atPath: Self.work, withIntermediateDirectories: true)
    let path = "\(Self.work)/notes.txt"
    try "remember to buy milk\n".write(toFile: path, atomically: true, encoding: .utf8)
    let outcome = try deadtop("import", path, "--once")
    #expect(outcome.status == 1)
    #expect(
      outcome.error
        == "deadtop: \(path): not a Go goroutine dump or a Java thread dump (no goroutine or thread header in its first 64 KiB)\n"
    )
    let missing = try deadtop("import", "\(Self.work)/nowhere.txt", "--once")
    #expect(missing.status == 1)
    #expect(missing.error == "deadtop: cannot read \(Self.work)/nowhere.txt: no such file\n")
  }
}
