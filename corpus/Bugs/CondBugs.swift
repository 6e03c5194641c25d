import Deadtop
import DemoScenarios

/// A Cond whose wake-up goes to the wrong waiter, or comes before anyone waits: a waiter
/// sleeps on with nothing left to wake it.
extension Corpus {
  static let condBugs: [Scenario] = [charon123, supervisord223]

  /// ObolNetwork/charon: leadercast's waiters share one sync.Cond; "If multiple goroutines
  /// were waiting on the condition, only a single one is woken up by sync.Cond.Signal(), if
  /// the message that arrived was for the other goroutine, then one of the two goroutines
  /// will get stuck forever." Fixed by waking every waiter (the PR moved to a map of
  /// channels; Broadcast has the same effect here).
  static let charon123 = Scenario(
    name: "charon-123",
    summary: "a Cond's Signal wakes the waiter whose message has not come, not the one whose has",
    story:
      "Tasks await-duty-1 and then await-duty-2 wait on cond \"messages\" for their duty's message. "
      + "Task receiver gets the message for duty 2, and its Signal wakes await-duty-1, which finds nothing for it and "
      + "waits again. It gets the message for duty 1, and its Signal wakes await-duty-2, which takes its own "
      + "and ends: await-duty-1 sleeps on beside the message it waits for.",
    fix: "The receiver wakes every waiter (Broadcast), so each checks for its own message.",
    source: "https://github.com/ObolNetwork/charon/pull/123"
  ) { fixed in
    final class LeaderCast: @unchecked Sendable {
      let lock = Mutex(name: "leadercast")
      let messages: Cond
      var arrived: [Int: String] = [:]

      init() { messages = Cond(lock, name: "messages") }

      func await(duty: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        while arrived[duty] == nil { messages.wait() }
        return arrived.removeValue(forKey: duty)!
      }

      func deliver(_ message: String, for duty: Int, fixed: Bool) {
        lock.lock()
        arrived[duty] = message
        if fixed { messages.broadcast() } else { messages.signal() }
        lock.unlock()
      }
    }
    // The component starts the waiters and the receiver, and its own task ends.
    spawn("leadercast") {
      let cast = LeaderCast()
      spawn("await-duty-1") { _ = cast.await(duty: 1) }
      pause(milliseconds: 30)  // duty 1's waiter queues first
      spawn("await-duty-2") { _ = cast.await(duty: 2) }
      pause(milliseconds: 30)
      spawn("receiver") {
        cast.deliver("attestation 2", for: 2, fixed: fixed)
        pause(milliseconds: 30)
        cast.deliver("attestation 1", for: 1, fixed: fixed)
      }
    }
    pause(milliseconds: 250)
  }

  /// ochinchina/supervisord: "Cond.Signal() may be executed before Cond.Wait()": the
  /// callback signals without holding the Cond's lock, so it can run before the caller
  /// waits, and the caller then waits for a signal already gone. Fixed by taking the lock
  /// around Signal (it then runs only once the caller waits and has released it).
  static let supervisord223 = Scenario(
    name: "supervisord-223",
    summary: "a callback signals a Cond before the caller waits on it",
    story:
      "main locks mutex \"supervisor\", starts task callback, which signals cond \"started\" without the "
      + "lock, and then waits on started. The callback ran first: its signal woke nobody, and main waits "
      + "forever.",
    fix: "The callback locks the supervisor mutex around its Signal.",
    source: "https://github.com/ochinchina/supervisord/issues/223"
  ) { fixed in
    func startProgram() {
      let lock = Mutex(name: "supervisor")
      let started = Cond(lock, name: "started")
      lock.lock()
      spawn("callback") {
        if fixed { lock.lock() }
        started.signal()
        if fixed { lock.unlock() }
      }
      pause(milliseconds: 50)  // the program starts; the callback runs meanwhile
      started.wait()
      lock.unlock()
    }
    startProgram()
  }
}
