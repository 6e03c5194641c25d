import Deadtop
import DemoScenarios

/// A goroutine reports on an unbuffered channel to a caller that stops waiting after a
/// timeout: the report is never taken and the goroutine leaks, one per timed-out call.
/// The most common leak in real Go services; each of these is its own project's code.
extension Corpus {
  static let timeoutLeaks: [Scenario] = [cadvisor2549, sliver1089, goResiliency23, vacuum802]

  /// google/cadvisor: `runner` runs a command and waits for it with a timeout. "The send
  /// operation to the channel done will certainly be executed, but the receive
  /// operation may not, if the goroutine times out." Fixed by buffering `done`.
  static let cadvisor2549 = Scenario(
    name: "cadvisor-2549",
    summary: "a command's result sent on an unbuffered channel after its caller timed out",
    story:
      "runWithTimeout starts task command-runner, which sends the command's error on channel done, and "
      + "waits 20ms for it. The command takes longer; the caller returns, and the send blocks forever.",
    fix: "done has room for one value: the late send completes and the task ends.",
    source: "https://github.com/google/cadvisor/pull/2549"
  ) { fixed in
    func runWithTimeout() -> Bool {
      let done = Channel<String?>(capacity: fixed ? 1 : 0, name: "done")
      spawn("command-runner") {
        pause(milliseconds: 60)  // the command outlives the timeout
        done.send(nil)
      }
      var finished = false
      select(.receive(done) { _ in finished = true }, .receive(after(0.02)) { _ in })
      return finished
    }
    _ = runWithTimeout()
    pause(milliseconds: 100)
  }

  /// BishopFox/sliver: "If the timer times out first, the sender will block because
  /// `done` has no receiver and is a unbuffered chan, causing the goroutine to leak."
  static let sliver1089 = Scenario(
    name: "sliver-1089",
    summary: "an RPC worker's reply to a caller whose timer fired first",
    story:
      "The handler starts task rpc-worker and waits for its reply on channel done, or for a 20ms Timer. "
      + "The timer fires first; the worker's reply blocks forever.",
    fix: "done is buffered: the worker's late reply is dropped with the channel.",
    source: "https://github.com/BishopFox/sliver/pull/1089"
  ) { fixed in
    func handle() -> String {
      let done = Channel<String>(capacity: fixed ? 1 : 0, name: "done")
      let timer = Deadtop.Timer(after: 0.02, name: "rpc-timeout")
      spawn("rpc-worker") {
        pause(milliseconds: 60)
        done.send("reply")
      }
      var reply = "timed out"
      select(.receive(done) { reply = $0 ?? reply }, .receive(timer.channel) { _ in })
      timer.stop()
      return reply
    }
    _ = handle()
    pause(milliseconds: 100)
  }

  /// eapache/go-resiliency: "if `Run()` returns `ErrTimeOut`, the work function would
  /// block on sending to channel `result`." Fixed by buffering `result`.
  static let goResiliency23 = Scenario(
    name: "go-resiliency-23",
    summary: "Deadline.Run returns ErrTimedOut while its work still sends the result",
    story:
      "Deadline.Run starts task deadline-work, which sends the work's error on channel result, and waits "
      + "for it or the deadline. The deadline comes first: Run returns, and the send blocks forever.",
    fix: "result has room for one value.",
    source: "https://github.com/eapache/go-resiliency/issues/23"
  ) { fixed in
    struct Deadline {
      let timeout: Double
      let fixed: Bool
      func run(_ work: @escaping @Sendable (Channel<Void>) -> String?) -> String? {
        let stopper = Channel<Void>(name: "stopper")
        let result = Channel<String?>(capacity: fixed ? 1 : 0, name: "result")
        spawn("deadline-work") { result.send(work(stopper)) }
        var outcome: String?? = nil
        select(.receive(result) { outcome = $0 }, .receive(after(timeout)) { _ in })
        guard let outcome else {
          stopper.close()
          return "timed out"
        }
        return outcome
      }
    }
    _ = Deadline(timeout: 0.02, fixed: fixed).run { _ in
      pause(milliseconds: 60)  // ignores its stopper, as the work function did
      return nil
    }
    pause(milliseconds: 100)
  }

  /// daveshanley/vacuum: "If a rule ended with a timeout, we end up with a dangling
  /// goroutine waiting to send on a channel that no one listens to." Fixed by signalling
  /// completion with a close, which never blocks.
  static let vacuum802 = Scenario(
    name: "vacuum-802",
    summary: "a lint rule that timed out leaves its runner sending its completion forever",
    story:
      "The linter runs each rule in task rule-runner, which sends on channel ruleDone when the rule "
      + "returns, and gives up on the rule after 20ms. The rule takes longer: nobody listens any more.",
    fix: "The runner closes ruleDone instead of sending on it: a close never waits.",
    source: "https://github.com/daveshanley/vacuum/pull/802"
  ) { fixed in
    func runRule() -> Bool {
      let ruleDone = Channel<Void>(name: "ruleDone")
      spawn("rule-runner") {
        pause(milliseconds: 60)
        if fixed { ruleDone.close() } else { ruleDone.send(()) }
      }
      var completed = false
      select(.receive(ruleDone) { _ in completed = true }, .receive(after(0.02)) { _ in })
      return completed
    }
    _ = runRule()
    pause(milliseconds: 100)
  }
}
