import Deadtop
import DemoScenarios

/// A WaitGroup whose Done is skipped on an error path, or whose workers cannot finish:
/// Wait never returns. Each is its own project's code, ported from its fix.
extension Corpus {
  static let waitGroupBugs: [Scenario] = [havener161, sitemapGenerator10, goZglob24]

  /// homeport/havener: "Defer the wait group done function so that command does not
  /// block in error case."
  static let havener161 = Scenario(
    name: "havener-161",
    summary: "a command's worker returns on an error before calling Done",
    story:
      "The command adds one to WaitGroup workers per node and starts task node-worker for each; the "
      + "second node's worker fails and returns before its Done. The command's Wait never returns.",
    fix: "Each worker defers its Done.",
    source: "https://github.com/homeport/havener/pull/161"
  ) { fixed in
    func runOnNodes() {
      let workers = WaitGroup(name: "workers")
      for node in ["node-a", "node-b"] {
        workers.add(1)
        spawn("node-worker") {
          if node == "node-b" {  // fails to connect
            if fixed { workers.done() }
            return
          }
          workers.done()
        }
      }
      workers.wait()
    }
    runOnNodes()
  }

  /// sabloger/sitemap-generator: "the `WaitGroup.Done` may never be called when the go
  /// routine returns early in case of error and that would cause `WaitGroup.Wait` never
  /// stop waiting."
  static let sitemapGenerator10 = Scenario(
    name: "sitemap-generator-10",
    summary: "saving a sitemap fails and its goroutine returns before Done",
    story:
      "saveSitemaps starts task save-sitemap per sitemap, each calling Done after writing its file; "
      + "writing one fails and that task returns early. saveSitemaps waits forever.",
    fix: "Each task defers Done at its top.",
    source: "https://github.com/sabloger/sitemap-generator/issues/10"
  ) { fixed in
    func saveSitemaps(_ names: [String]) {
      let group = WaitGroup(name: "sitemaps")
      for name in names {
        group.add(1)
        spawn("save-sitemap") {
          let writeFails = name == "sitemap2.xml"
          if writeFails {
            if fixed { group.done() }
            return
          }
          group.done()
        }
      }
      group.wait()
    }
    saveSitemaps(["sitemap1.xml", "sitemap2.xml"])
  }

  /// mattn/go-zglob: after a walk error, "there was nothing left to drain the results
  /// channel", so the workers blocked on their sends while the caller waited for them.
  /// Fixed by draining the channel before waiting.
  static let goZglob24 = Scenario(
    name: "go-zglob-24",
    summary: "a glob returns on a walk error and waits for workers that cannot send their results",
    story:
      "glob starts two walk-worker tasks that send matches on channel results, and stops reading at the "
      + "first error. It then waits on WaitGroup walkers; the workers wait to send: neither moves.",
    fix: "glob drains results before it waits for the workers.",
    source: "https://github.com/mattn/go-zglob/pull/24"
  ) { fixed in
    func glob() -> String? {
      let results = Channel<String>(name: "results")
      let walkers = WaitGroup(name: "walkers")
      for root in ["a", "b"] {
        walkers.add(1)
        spawn("walk-worker") {
          for index in 0..<3 {
            results.send(index == 0 && root == "a" ? "error: permission denied" : "\(root)/\(index)")
          }
          walkers.done()
        }
      }
      var failure: String?
      for match in results where match.hasPrefix("error") {
        failure = match
        break
      }
      if fixed {
        let drained = spawn("drain") { for _ in results {} }
        walkers.wait()
        results.close()
        drained.join()
      } else {
        walkers.wait()
      }
      return failure
    }
    _ = glob()
  }
}
