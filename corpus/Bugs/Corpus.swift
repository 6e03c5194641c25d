import DemoScenarios

/// Real blocking bugs, ported to the runtime from their public reports and fixes, each
/// with its fixed twin: the end-to-end tests check that deadtop finds every bug and
/// reports nothing on any twin. A bug's variant returns once its goroutines have leaked
/// or deadlocked while the rest of the program would run on; the runner (`--stay`) then
/// keeps the process alive for deadtop to attach, as a service that leaked would stay.
public enum Corpus {
  public static let all: [Scenario] =
    timeoutLeaks + abandonedSenders + leakedLocks + waitGroupBugs + lockOrderInversions + retryLeaks
    + condBugs + unclosedChannels

  /// The bugs in two or more locks taken in opposite orders: each also has a run that
  /// does not deadlock (`-sequential`), which lock order must predict. (A lock left
  /// locked involves one lock: no order to predict.)
  public static let lockOrderBugs = lockOrderInversions.filter { !$0.onlyPredicted }.map(\.name)

  /// What deadtop must report on a bug: the finding's kind (a deadlock's, or `retry-leak`)
  /// and a task it names. A
  /// `-sequential` run of a lock-order bug must be reported as a potential deadlock
  /// instead (its twin's expectation names the bug itself).
  public struct Expected: Sendable {
    public let kind: String
    public let task: String
  }

  public static let expected: [String: Expected] = [
    "cadvisor-2549": Expected(kind: "stuck-forever", task: "command-runner"),
    "sliver-1089": Expected(kind: "stuck-forever", task: "rpc-worker"),
    "go-resiliency-23": Expected(kind: "stuck-forever", task: "deadline-work"),
    "kubevirt-6168": Expected(kind: "stuck-forever", task: "copy-out"),
    "s3sync-248": Expected(kind: "stuck-forever", task: "list-local-files"),
    "amqp-42": Expected(kind: "cycle", task: "amqp-reader"),
    "vacuum-802": Expected(kind: "stuck-forever", task: "rule-runner"),
    "go-m3ua-11": Expected(kind: "held-by-ended-task", task: "next-request"),
    "jocko-121": Expected(kind: "held-by-ended-task", task: "next-request"),
    "flynn-2591": Expected(kind: "held-by-ended-task", task: "next-request"),
    "lampshade-10": Expected(kind: "held-by-ended-task", task: "next-request"),
    "nats-go-1364": Expected(kind: "held-by-ended-task", task: "next-request"),
    "centrifuge-552": Expected(kind: "held-by-ended-task", task: "next-request"),
    "dcrwallet-992": Expected(kind: "held-by-ended-task", task: "next-request"),
    "sansshell-514": Expected(kind: "held-by-ended-task", task: "next-request"),
    "ibsync-15": Expected(kind: "held-by-ended-task", task: "next-request"),
    "havener-161": Expected(kind: "stuck-forever", task: "main"),
    "sitemap-generator-10": Expected(kind: "stuck-forever", task: "main"),
    "go-zglob-24": Expected(kind: "cycle", task: "main"),
    "sequins-90": Expected(kind: "cycle", task: "watch-update"),
    "matrixone-25281": Expected(kind: "cycle", task: "get-lock-holder"),
    "spreed-signaling-742": Expected(kind: "cycle", task: "publish-sessions"),
    "grpc-go-862": Expected(kind: "retry-leak", task: "reset-transport"),
    "rethinkdb-go-388": Expected(kind: "retry-leak", task: "epsilon-greedy-decay"),
    "charon-123": Expected(kind: "stuck-forever", task: "await-duty-1"),
    "supervisord-223": Expected(kind: "stuck-forever", task: "main"),
    "bee-2707": Expected(kind: "stuck-forever", task: "push-peer"),
    "lestrrat-backoff-30": Expected(kind: "stuck-forever", task: "backoff-controller"),
    "whatgotdone-676": Expected(kind: "cycle", task: "fetch-user-entries"),
    "go-deep-26": Expected(kind: "stuck-forever", task: "batch-worker"),
  ]
}
