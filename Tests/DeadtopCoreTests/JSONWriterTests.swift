import DeadtopCore
import DeadtopReports
import Foundation
import Testing

/// The report writes its JSON by hand for speed; Foundation's encoder, given the same
/// document, is the reference it must match byte for byte.
@Suite struct JSONWriterTests {
  /// A process that fills every optional field the report has, with names that need
  /// escaping.
  func everything() -> Analysis {
    var process = SnapshotBuilder()
    let a = process.mutex(100, "quote \" backslash \\ slash / tab \t newline \n bell \u{7} é → 🔒")
    let b = process.rwMutex(101, "config")
    let feed = process.synchronizer(
      102, .channel, "feed", capacity: 4, count: 2, closed: true, users: [1, 4, 7])
    let group = process.synchronizer(103, .waitGroup, "group", count: 1, users: [4], listsMembers: true)
    process.blocked(1, "pay-alice-bob", on: .mutex, .resource(b), holds: [holding(a)])
    process.blocked(2, "pay-bob-alice", on: .writeLock, .resource(a), holds: [holding(b, .shared)])
    process.blocked(3, "main", on: .join, .task(1))
    process.selecting(
      4, "selector",
      [Wait.Case(resource: feed, operation: .receive), Wait.Case(resource: 105, operation: .send)],
      deadline: process.now + 1_500_000_000)
    process.blocked(5, "waiter", on: .waitGroup, .resource(group), parent: 3)
    process.ended(6, "gone", holds: [holding(a)])
    process.running(7, "worker")
    var snapshot = process.snapshot
    snapshot.tasks[6].detail = "futex_wait_queue"
    snapshot.tasks[6].cpuSeconds = 12.345_678
    snapshot.tasks[6].osThreadID = 4242
    snapshot.tasks[6].stack = ["#0 f() at a.swift:1", "#1 main"]
    snapshot.tasks[6].spawnSite = CallSite(file: "App/Main.swift", line: 9, function: "main()")
    snapshot.tasks[1].wait?.sinceIsLowerBound = true
    snapshot.tasks[0].unlistedHolds = 2
    snapshot.warnings = ["a warning with \"quotes\""]
    snapshot.hiddenFacts = ["thread 9's futex word could not be read"]
    let feedPosition = snapshot.resources.firstIndex { $0.id == feed }!
    snapshot.resources[feedPosition].uses = [.bothWays, .mayReceive, [.maySend, .hasSent]]
    return Analysis(snapshot)
  }

  /// The layout `JSONReport` promises: Foundation's pretty, sorted, unescaped-slash one.
  static func encodedByFoundation(_ analysis: Analysis, longWaitSeconds: Double) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(JSONReport.document(analysis, longWaitSeconds: longWaitSeconds))
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  @Test func theWrittenReportIsWhatFoundationEncodes() throws {
    var cases = [everything()]
    for tasks in [0, 1, 30] {
      var process = SnapshotBuilder()
      for index in 0..<tasks {
        let lock = process.mutex(ResourceID(1000 + index), "lock-\(index)")
        process.blocked(TaskID(index + 1), "t\(index)", on: .mutex, .resource(lock), holds: [])
      }
      cases.append(process.analysis)
    }
    for analysis in cases {
      let written = JSONReport.render(analysis, longWaitSeconds: 1)
      let encoded = try Self.encodedByFoundation(analysis, longWaitSeconds: 1)
      if written != encoded {
        let writtenLines = written.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let encodedLines = encoded.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first =
          zip(writtenLines, encodedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
          ?? min(writtenLines.count, encodedLines.count)
        let mine = first < writtenLines.count ? writtenLines[first] : "<end>"
        let theirs = first < encodedLines.count ? encodedLines[first] : "<end>"
        Issue.record("line \(first + 1) differs: written \(mine) vs Foundation \(theirs)")
      }
      // And it is a document a reader decodes.
      _ = try JSONDecoder().decode(JSONReport.Document.self, from: Data(written.utf8))
    }
  }

  @Test func aChannelsOneWayUsersAreListed() throws {
    let document = JSONReport.document(everything(), longWaitSeconds: 10)
    let feed = try #require(document.resources.first { $0.name == "feed" })
    #expect(feed.receiveOnlyUsers == [4])
    #expect(feed.sendOnlyUsers == [7])
    #expect(
      TextReport.render(everything()).contains(
        "used by task 1 \"pay-alice-bob\", task 4 \"selector\" (receive-only), task 7 \"worker\" (send-only)")
    )
  }

  @Test func numbersAreWrittenAsFoundationWritesThem() throws {
    let encoder = JSONEncoder()
    for value in [0, -0.0, 1, 0.001, 2.5, 1_234_567.891, 123_456_789_012.5, 99_999.999, -3.25] {
      let expected = String(decoding: try encoder.encode([value]), as: UTF8.self)
      var process = SnapshotBuilder()
      process.running(1, "t")
      var snapshot = process.snapshot
      snapshot.tasks[0].cpuSeconds = value
      let report = JSONReport.render(Analysis(snapshot))
      let number = expected.dropFirst().dropLast()
      #expect(report.contains("\"cpuSeconds\" : \(number),"), "\(value) should be written as \(number)")
    }
  }
}
