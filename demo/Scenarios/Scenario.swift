import Deadtop
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A demo: a classic deadlock, and a fixed variant of the same program that finishes.
public struct Scenario: Sendable {
  public let name: String
  /// One line for menus and `--list`.
  public let summary: String
  /// What the deadlocking variant is about to do, and why it will stick.
  public let story: String
  /// What the fixed variant does differently.
  public let fix: String
  /// Misuse demos end with a fatal error instead of a deadlock.
  public let endsInFatalError: Bool
  /// The deadlocking variant does not deadlock this time: only lock order predicts it.
  public var onlyPredicted = false
  /// For a bug of the corpus: the public report or fix it was ported from.
  public var source: String?
  let body: @Sendable (_ fixed: Bool) -> Void

  public init(
    name: String, summary: String, story: String, fix: String, endsInFatalError: Bool = false,
    onlyPredicted: Bool = false, source: String? = nil, body: @escaping @Sendable (_ fixed: Bool) -> Void
  ) {
    self.name = name
    self.summary = summary
    self.story = story
    self.fix = fix
    self.endsInFatalError = endsInFatalError
    self.onlyPredicted = onlyPredicted
    self.source = source
    self.body = body
  }

  /// Runs the scenario on the calling thread. The deadlocking variant never returns.
  public func run(fixed: Bool) { body(fixed) }
}

public enum Scenarios {
  public static let all: [Scenario] =
    [
      abba, doubleLock, readThenWrite, readWriteRead, philosophers, lockOrder, unlockUnlocked,
    ] + channelScenarios

  public static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }
}

/// Prints a line at once, even into a pipe: the demo's parent reads it live.
public func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

/// Untracked coordination that makes the demos deterministic: each party waits until
/// `parties` have arrived. It is not a Deadtop primitive, so it never shows as a wait.
public final class Rendezvous: Sendable {
  private let arrived = Atomic<Int>(0)
  private let parties: Int

  public init(parties: Int) { self.parties = parties }

  public func arriveAndWait() {
    arrived.add(1, ordering: .sequentiallyConsistent)
    while arrived.load(ordering: .sequentiallyConsistent) < parties { usleep(1000) }
  }
}

public func pause(milliseconds: Int) { usleep(useconds_t(milliseconds * 1000)) }

/// Shared state of a demo, protected by the demo's own Deadtop lock.
final class Guarded<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}
