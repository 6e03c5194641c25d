import Deadtop
import DemoScenarios

/// Receivers ranging over a channel that nobody closes once the work is done.
extension Corpus {
  static let unclosedChannels: [Scenario] = [goDeep26]

  /// patrikeh/go-deep: the batch trainer starts one worker per unit of parallelism, each
  /// ranging over the channel of batches; "fix goroutine leaks caused by unclosed
  /// channel": training returned without closing it, and every worker waited for a batch
  /// forever. The workers hold it receive-only. Fixed by closing it when training ends.
  static let goDeep26 = Scenario(
    name: "go-deep-26",
    summary: "a trainer returns without closing its workers' batch channel",
    story:
      "train starts two tasks batch-worker, each ranging over channel batches (receive-only) and "
      + "training on what it gets. train sends four batches and returns without closing batches: both "
      + "workers wait for a fifth forever.",
    fix: "train closes batches when it has sent the last one.",
    source: "https://github.com/patrikeh/go-deep/pull/26"
  ) { fixed in
    func train(iterations: Int, parallelism: Int) {
      let batches = Channel<Int>(name: "batches")
      let trained = WaitGroup(name: "trained")
      let work = batches.receiveOnly
      for _ in 0..<parallelism {
        spawn("batch-worker") {
          for batch in work {
            _ = batch * 2  // the gradient of the batch
            trained.done()
          }
        }
      }
      for batch in 0..<iterations {
        trained.add(1)
        batches.send(batch)
      }
      trained.wait()
      if fixed { batches.close() }
    }
    train(iterations: 4, parallelism: 2)
    pause(milliseconds: 100)
  }
}
