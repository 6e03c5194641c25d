import Deadtop
import DemoScenarios

/// A function locks a mutex and returns early on an error without unlocking it; the
/// goroutine that ran it ends, and the next caller waits for the mutex forever. Each is
/// its own project's code, ported from its fix.
extension Corpus {
  static let leakedLocks: [Scenario] = [
    goM3ua11, jocko121, flynn2591, lampshade10, natsGo1364, centrifuge552, dcrwallet992, sansshell514,
    ibsync15,
  ]

  /// Runs `request` in a task of its own (a handler goroutine), then `next` in another.
  static func serve(_ request: @escaping @Sendable () -> Void, then next: @escaping @Sendable () -> Void) {
    spawn("request-handler", request).join()
    spawn("next-request", next)
    pause(milliseconds: 100)
  }

  /// wmnsk/go-m3ua: "If the current handler returns the error early, the mutex lock
  /// won't be free." Fixed by unlocking on every return.
  static let goM3ua11 = Scenario(
    name: "go-m3ua-11",
    summary: "an M3UA state handler returns an error with the association's mutex locked",
    story:
      "The handler for an ASP Up message locks the association's mutex and returns early when the "
      + "message is malformed, without unlocking. The next message's handler waits for the mutex forever.",
    fix: "The handler unlocks before every return (defer).",
    source: "https://github.com/wmnsk/go-m3ua/pull/11"
  ) { fixed in
    final class Association: @unchecked Sendable {
      let mu = Mutex(name: "association")
      var state = "down"
      func handleAspUp(malformed: Bool, fixed: Bool) -> String? {
        mu.lock()
        if malformed {
          if fixed { mu.unlock() }
          return "malformed ASP Up"
        }
        state = "inactive"
        mu.unlock()
        return nil
      }
    }
    let association = Association()
    serve({ _ = association.handleAspUp(malformed: true, fixed: fixed) }) {
      _ = association.handleAspUp(malformed: false, fixed: fixed)
    }
  }

  /// travisjeffery/jocko: "Unlock the mutex in the event of an error" when the commit
  /// log fails to split off a new segment; every later append waited on the log's lock.
  static let jocko121 = Scenario(
    name: "jocko-121",
    summary: "a commit log's split fails and returns with the log locked",
    story:
      "Appending finds the active segment full and splits: it locks the commit log and creates a new "
      + "segment, which fails; split returns the error with the log still locked, and the next append "
      + "waits forever.",
    fix: "split unlocks the log when creating the segment fails.",
    source: "https://github.com/travisjeffery/jocko/pull/121"
  ) { fixed in
    final class CommitLog: @unchecked Sendable {
      let mu = RWMutex(name: "commitlog")
      var segments = 1
      func split(failing: Bool, fixed: Bool) -> String? {
        mu.lock()
        if failing {
          if fixed { mu.unlock() }
          return "open segment: too many open files"
        }
        segments += 1
        mu.unlock()
        return nil
      }
      func append() {
        mu.readLock()
        mu.readUnlock()
      }
    }
    let log = CommitLog()
    serve({ _ = log.split(failing: true, fixed: fixed) }) { log.append() }
  }

  /// flynn/flynn: discoverd's server "Fix mutex that doesn't get unlocked in error path:
  /// Not unlocking the mutex can result in a deadlock at startup."
  static let flynn2591 = Scenario(
    name: "flynn-2591",
    summary: "discoverd's store fails to open at startup and leaves its mutex locked",
    story:
      "At startup the server locks its mutex to open the store; opening fails and the function returns "
      + "without unlocking. The HTTP handler that starts next waits for the mutex forever.",
    fix: "The error path unlocks the mutex.",
    source: "https://github.com/flynn/flynn/pull/2591"
  ) { fixed in
    final class Server: @unchecked Sendable {
      let mu = Mutex(name: "discoverd-server")
      var open = false
      func openStore(fails: Bool, fixed: Bool) -> String? {
        mu.lock()
        if fails {
          if fixed { mu.unlock() }
          return "raft: no leader"
        }
        open = true
        mu.unlock()
        return nil
      }
      func serveHTTP() { mu.withLock { _ = open } }
    }
    let server = Server()
    serve({ _ = server.openStore(fails: true, fixed: fixed) }) { server.serveHTTP() }
  }

  /// getlantern/lampshade: DialStream locks the session's mutex, and "if the code after
  /// L146 returns an error ... the mutex will not be unlocked."
  static let lampshade10 = Scenario(
    name: "lampshade-10",
    summary: "DialStream returns a dial error with the session's mutex locked",
    story:
      "DialStream locks the session, dials a new connection and returns the dial error without "
      + "unlocking. The next DialStream waits for the session forever.",
    fix: "DialStream unlocks on the error path too.",
    source: "https://github.com/getlantern/lampshade/pull/10"
  ) { fixed in
    final class Dialer: @unchecked Sendable {
      let mu = Mutex(name: "session")
      var streams = 0
      func dialStream(dialFails: Bool, fixed: Bool) -> String? {
        mu.lock()
        if dialFails {
          if fixed { mu.unlock() }
          return "dial tcp: connection refused"
        }
        streams += 1
        mu.unlock()
        return nil
      }
    }
    let dialer = Dialer()
    serve({ _ = dialer.dialStream(dialFails: true, fixed: fixed) }) {
      _ = dialer.dialStream(dialFails: false, fixed: fixed)
    }
  }

  /// nats-io/nats.go: "Fix deadlock caused by locked mutex. Mutex must be unlocked on
  /// return from function."
  static let natsGo1364 = Scenario(
    name: "nats-go-1364",
    summary: "a consumer's option check returns an error with the subscription locked",
    story:
      "The call locks the subscription's mutex, finds an invalid option and returns its error without "
      + "unlocking. The next call on the subscription waits for the mutex forever.",
    fix: "The function unlocks on that return too.",
    source: "https://github.com/nats-io/nats.go/pull/1364"
  ) { fixed in
    final class Subscription: @unchecked Sendable {
      let mu = Mutex(name: "subscription")
      var pending = 0
      func setPendingLimits(_ limit: Int, fixed: Bool) -> String? {
        mu.lock()
        if limit == 0 {
          if fixed { mu.unlock() }
          return "nats: invalid argument"
        }
        pending = limit
        mu.unlock()
        return nil
      }
    }
    let subscription = Subscription()
    serve({ _ = subscription.setPendingLimits(0, fixed: fixed) }) {
      _ = subscription.setPendingLimits(64, fixed: fixed)
    }
  }

  /// centrifugal/centrifuge: in writer.go "one of the early returns do not unlock the
  /// mutex" (found by a mutex-deadlock linter); the next write waits for it forever.
  static let centrifuge552 = Scenario(
    name: "centrifuge-552",
    summary: "a client writer's early return leaves its mutex locked",
    story:
      "The writer locks its mutex to enqueue a message and returns early when the writer is closed, "
      + "without unlocking. The next enqueue waits for the mutex forever.",
    fix: "The early return unlocks the mutex.",
    source: "https://github.com/centrifugal/centrifuge/pull/552"
  ) { fixed in
    final class Writer: @unchecked Sendable {
      let mu = Mutex(name: "writer")
      var closed = true
      var messages = 0
      func enqueue(fixed: Bool) -> Bool {
        mu.lock()
        if closed {
          if fixed { mu.unlock() }
          return false
        }
        messages += 1
        mu.unlock()
        return true
      }
    }
    let writer = Writer()
    serve({ _ = writer.enqueue(fixed: fixed) }) { _ = writer.enqueue(fixed: fixed) }
  }

  /// decred/dcrwallet: "Fix issue with early return while holding mutex."
  static let dcrwallet992 = Scenario(
    name: "dcrwallet-992",
    summary: "a wallet call returns early while holding the wallet's mutex",
    story:
      "A wallet request locks the wallet's mutex and returns early when the account is unknown, still "
      + "holding it. The next request waits for the mutex forever.",
    fix: "The mutex is released on the early return.",
    source: "https://github.com/decred/dcrwallet/pull/992"
  ) { fixed in
    final class Wallet: @unchecked Sendable {
      let mu = Mutex(name: "wallet")
      let accounts = ["default"]
      func balance(of account: String, fixed: Bool) -> String? {
        mu.lock()
        guard accounts.contains(account) else {
          if fixed { mu.unlock() }
          return "account not found"
        }
        mu.unlock()
        return nil
      }
    }
    let wallet = Wallet()
    serve({ _ = wallet.balance(of: "savings", fixed: fixed) }) {
      _ = wallet.balance(of: "default", fixed: fixed)
    }
  }

  /// Snowflake-Labs/sansshell: "we failed to release mutex in one of the branches of the
  /// mpa flow" on an early return for not_found during WaitForApproval; "unlock in mutex
  /// in a loop and no way to defer it".
  static let sansshell514 = Scenario(
    name: "sansshell-514",
    summary: "WaitForApproval returns on not_found with the approvals mutex locked, inside its loop",
    story:
      "WaitForApproval polls in a loop, locking the approvals mutex on each turn and unlocking it at the "
      + "turn's end; on not_found it returns from inside the turn. The next approval waits forever.",
    fix: "The not_found branch unlocks before it returns.",
    source: "https://github.com/Snowflake-Labs/sansshell/pull/514"
  ) { fixed in
    final class Approvals: @unchecked Sendable {
      let mu = Mutex(name: "mpa-approvals")
      var approved: Set<String> = []
      func waitForApproval(_ id: String, fixed: Bool) -> String? {
        for _ in 0..<3 {
          mu.lock()
          if id == "unknown" {  // the server answers not_found
            if fixed { mu.unlock() }
            return "not_found"
          }
          let done = approved.contains(id)
          mu.unlock()
          if done { return nil }
        }
        return "timed out"
      }
    }
    let approvals = Approvals()
    serve({ _ = approvals.waitForApproval("unknown", fixed: fixed) }) {
      _ = approvals.waitForApproval("request-1", fixed: fixed)
    }
  }

  /// scmhub/ibsync: "calling unlock in early returns: there are cases that could cause
  /// deadlock when error happens."
  static let ibsync15 = Scenario(
    name: "ibsync-15",
    summary: "a broker client's request returns on an error without unlocking its state",
    story:
      "A request locks the client's state to register itself and returns early when the connection "
      + "reports an error, still holding the lock. The next request waits for it forever.",
    fix: "The early returns unlock the state.",
    source: "https://github.com/scmhub/ibsync/pull/15"
  ) { fixed in
    final class Client: @unchecked Sendable {
      let state = Mutex(name: "ib-state")
      var requests = 0
      func request(connected: Bool, fixed: Bool) -> String? {
        state.lock()
        guard connected else {
          if fixed { state.unlock() }
          return "not connected"
        }
        requests += 1
        state.unlock()
        return nil
      }
    }
    let client = Client()
    serve({ _ = client.request(connected: false, fixed: fixed) }) {
      _ = client.request(connected: true, fixed: fixed)
    }
  }
}
