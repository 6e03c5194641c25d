import BugCorpus
import DeadtopReports
import Foundation
import Testing

/// The corpus of real blocking bugs (`corpus/`), run as a user would: each bug's process
/// started, deadtop attached. Every bug must be found with its kind and task; every
/// fixed twin must be reported clean.
@Suite(.serialized) struct CorpusEndToEndTests {
  static let names = Corpus.all.filter { !$0.onlyPredicted }.map(\.name)
  /// The lock-order bugs run one path after the other: they must not deadlock, and lock
  /// order must predict them.
  static let predictedOnly = Corpus.all.filter(\.onlyPredicted).map(\.name)

  @Test func everyBugHasItsSourceAndExpectation() {
    for bug in Corpus.all {
      #expect(bug.source?.hasPrefix("https://github.com/") == true, "\(bug.name)")
      #expect(bug.onlyPredicted || Corpus.expected[bug.name] != nil, "\(bug.name)")
    }
    // Every lock-order bug has its run that does not deadlock.
    #expect(!Corpus.lockOrderBugs.isEmpty)
    for name in Corpus.lockOrderBugs { #expect(Self.predictedOnly.contains(name + "-sequential"), "\(name)") }
  }

  @Test(arguments: predictedOnly)
  func aRunThatDidNotDeadlockIsPredictedFromLockOrder(_ name: String) throws {
    let run = try DemoProcess(name, ["--stay"], runner: Binaries.corpus)
    try run.waitFor("scenario finished")
    let outcome = try deadtop("--attach", "\(run.pid)", "--once", "--json")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty, "\(outcome.output)")
    let potential = try #require(document.potentialDeadlocks.first, "\(outcome.output)")
    #expect(potential.kind == "lock-order")
    #expect(potential.happening == nil)
    #expect(potential.orders.count == 2)
  }

  @Test(arguments: names)
  func theBugIsFound(_ name: String) throws {
    let expected = try #require(Corpus.expected[name])
    let bug = try DemoProcess(name, ["--stay"], runner: Binaries.corpus)
    if expected.kind == "retry-leak" {
      // A leak, not a deadlock: found, certain by construction, and the exit status stays 0.
      let outcome = try bug.attachUntil { outcome in
        (try? report(outcome))?.retryLeaks.contains { $0.task == expected.task } == true
      }
      let document = try report(outcome)
      #expect(document.retryLeaks.contains { $0.task == expected.task }, "\(outcome.output)")
      #expect(document.deadlocks.isEmpty, "\(outcome.output)")
      #expect(outcome.status == 0)
      return
    }
    let outcome = try bug.attachUntil { outcome in
      (try? report(outcome))?.deadlocks.contains {
        $0.kind == expected.kind && $0.tasks.contains(expected.task)
      }
        == true
    }
    let document = try report(outcome)
    let finding = try #require(
      document.deadlocks.first { $0.tasks.contains(expected.task) }, "\(outcome.output)")
    #expect(finding.kind == expected.kind)
    #expect(outcome.status == 3)
  }

  @Test(arguments: names)
  func theFixedTwinIsClean(_ name: String) throws {
    let twin = try DemoProcess(name, ["--fixed", "--stay"], runner: Binaries.corpus)
    try twin.waitFor("scenario finished")
    let outcome = try deadtop("--attach", "\(twin.pid)", "--once", "--json")
    let document = try report(outcome)
    #expect(document.deadlocks.isEmpty, "\(outcome.output)")
    #expect(document.potentialDeadlocks.isEmpty, "\(outcome.output)")
    #expect(document.retryLeaks.isEmpty, "\(outcome.output)")
    #expect(outcome.status == 0)
  }
}
