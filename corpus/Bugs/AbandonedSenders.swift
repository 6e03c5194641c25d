import Deadtop
import DemoScenarios

/// A caller takes fewer values than its goroutines send, and returns: the rest block
/// forever on their sends.
extension Corpus {
  static let abandonedSenders: [Scenario] = [
    kubevirt6168, s3sync248, amqp42, bee2707, lestrratBackoff30, whatgotdone676,
  ]

  /// kubevirt/kubevirt: the proxy's two copy goroutines each send their error on an
  /// unbuffered errChan; the proxy returns after the first, "it's likely that one of the
  /// proxy copy goroutines blocks indefinitely writing to a non buffered channel." Fixed
  /// by buffering errChan for both.
  static let kubevirt6168 = Scenario(
    name: "kubevirt-6168",
    summary: "a proxy reads one of its two copy goroutines' errors and returns",
    story:
      "proxy starts tasks copy-in and copy-out, each sending its error on channel errChan, and returns "
      + "after the first error. copy-out's send then waits forever.",
    fix: "errChan has room for both errors.",
    source: "https://github.com/kubevirt/kubevirt/pull/6168"
  ) { fixed in
    func proxy() -> String? {
      let errChan = Channel<String>(capacity: fixed ? 2 : 0, name: "errChan")
      spawn("copy-in") { errChan.send("client closed") }
      spawn("copy-out") {
        pause(milliseconds: 30)  // the other direction ends later
        errChan.send("server closed")
      }
      return errChan.receive()
    }
    _ = proxy()
    pause(milliseconds: 100)
  }

  /// seqsense/s3sync: filterFilesForSync reads the destination's files first and returns
  /// on an error without reading the source channel, "there's a goroutine that is trying
  /// to write to the channel. Since the channel is unbuffered, it causes the goroutine to
  /// wait forever." Fixed by cancelling the lister.
  static let s3sync248 = Scenario(
    name: "s3sync-248",
    summary: "a sync returns on the destination's error while the source lister still sends",
    story:
      "sync starts task list-local-files, which sends each source file on channel sourceFiles, then reads "
      + "the destination's files. Listing the destination fails, so sync returns without reading "
      + "sourceFiles: the lister waits forever on its first send.",
    fix: "sync cancels a context on return, and the lister sends in a select with its done channel.",
    source: "https://github.com/seqsense/s3sync/issues/248"
  ) { fixed in
    func sync() -> String? {
      let (context, cancel) = Context.withCancel(.background, name: "sync")
      defer { cancel() }
      let sourceFiles = Channel<String>(name: "sourceFiles")
      spawn("list-local-files") {
        for file in ["a.txt", "b.txt"] {
          if fixed {
            var stop = false
            select(.send(sourceFiles, file), .receive(context.done) { _ in stop = true })
            if stop { return }
          } else {
            sourceFiles.send(file)
          }
        }
        sourceFiles.close()
      }
      let destinationError: String? = "NoSuchBucket"  // listing the destination fails
      if let destinationError { return destinationError }
      for file in sourceFiles { _ = file }
      return nil
    }
    _ = sync()
    pause(milliseconds: 100)
  }

  /// streadway/amqp: "the receiving goroutine of an amqp channel is blocked if the
  /// goroutine on the other end of the deliveries channel is not reading from the
  /// channel ... When then calling Channel.Close, it sends a close message and waits for
  /// the confirmation, but this confirmation will never arrive because the receiving
  /// goroutine is still blocked." Fixed by releasing the consumers before the close.
  static let amqp42 = Scenario(
    name: "amqp-42",
    summary: "Channel.Close waits for a confirmation its reader cannot deliver",
    story:
      "Task amqp-reader hands each delivery to the consumer on channel deliveries and each close-ok to "
      + "Close on channel closeOk. The consumer has stopped reading; a message arrives, then Close "
      + "asks the broker to close and waits for closeOk: the reader is stuck handing over the message.",
    fix: "Close tells the reader to drop deliveries (it closes closing) before it waits for closeOk.",
    source: "https://github.com/streadway/amqp/issues/42"
  ) { fixed in
    final class AMQPChannel: @unchecked Sendable {
      let frames = Channel<String>(capacity: 4, name: "frames")
      let deliveries = Channel<String>(name: "deliveries")
      let closeOk = Channel<Void>(name: "closeOk")
      let closing = Channel<Void>(name: "closing")

      func startReader(fixed: Bool) {
        spawn("amqp-reader") { [self] in
          for frame in frames {
            if frame == "close-ok" {
              closeOk.send(())
              return
            }
            if fixed {
              select(.send(deliveries, frame), .receive(closing) { _ in })
            } else {
              deliveries.send(frame)
            }
          }
        }
      }

      func close(fixed: Bool) {
        if fixed { closing.close() }
        frames.send("close-ok")  // the broker confirms, behind the unconsumed message
        _ = closeOk.receive()
      }
    }
    let channel = AMQPChannel()
    channel.startReader(fixed: fixed)
    let consumer = spawn("consumer") { _ = channel.deliveries.receive() }  // takes one, then its session ends
    channel.frames.send("message 1")
    consumer.join()
    channel.frames.send("message 2")  // arrives after the session ended
    channel.close(fixed: fixed)
  }

  /// ethersphere/bee: pushToClosest pushes a chunk to peers in goroutines that report on
  /// resultChan or give up when doneChan closes, but "if pushToClosest returns with
  /// error, there is a goroutine leak": doneChan was never closed. The goroutines hold
  /// doneChan receive-only. Fixed with `defer close(doneChan)`.
  static let bee2707 = Scenario(
    name: "bee-2707",
    summary: "a push returns on its first peer's error; a later peer's goroutine waits forever to report",
    story:
      "pushToClosest starts task push-peer for three peers, each reporting its receipt on channel "
      + "resultChan (room for one) or giving up when doneChan closes. The first receipt is an error and "
      + "pushToClosest returns: the second receipt fills resultChan, and the third peer's task waits "
      + "forever, for doneChan is never closed.",
    fix: "pushToClosest closes doneChan when it returns.",
    source: "https://github.com/ethersphere/bee/pull/2707"
  ) { fixed in
    func pushToClosest() -> String? {
      let resultChan = Channel<String>(capacity: 1, name: "resultChan")
      let doneChan = Channel<Void>(name: "doneChan")
      defer { if fixed { doneChan.close() } }
      let done = doneChan.receiveOnly
      for (index, peer) in ["peer-a", "peer-b", "peer-c"].enumerated() {
        spawn("push-peer") {
          pause(milliseconds: 10 + 20 * index)  // each peer answers in its own time
          let receipt = index == 0 ? "error: \(peer) refused the chunk" : "receipt from \(peer)"
          select(.send(resultChan, receipt), .receive(done) { _ in })
        }
      }
      let first = resultChan.receive()
      if first?.hasPrefix("error") == true { return first }
      return nil
    }
    _ = pushToClosest()
    pause(milliseconds: 150)
  }

  /// lestrrat-go/backoff: the backoff controller's goroutine sends on `next` at each
  /// interval for the retry loop to go on; "Fixed a possible block in sending to the next
  /// channel when context is cancelled": once the caller's context ends it stops reading
  /// `next` (backoff.Continue takes Done), and a send already under way waits forever.
  /// Fixed by sending in a select with the context's Done. (Where Continue finds both
  /// ready, Go picks either; the port takes Done, the case that leaks.)
  static let lestrratBackoff30 = Scenario(
    name: "lestrrat-backoff-30",
    summary: "a backoff controller sends the next attempt to a caller whose context has ended",
    story:
      "A request with a 50 ms deadline starts a backoff controller: task backoff-controller sends on "
      + "channel next every 20 ms. The first attempt takes 40 ms, the controller's second send waits "
      + "for it, the deadline passes, and the request returns: the send waits forever.",
    fix: "The controller sends in a select with its context's done channel.",
    source: "https://github.com/lestrrat-go/backoff/pull/30"
  ) { fixed in
    final class Controller: @unchecked Sendable {
      let next: ReceiveChannel<Void>
      init(next: ReceiveChannel<Void>) { self.next = next }
    }
    func newController(_ parent: Context, interval: Double) -> Controller {
      let (context, _) = Context.withCancel(parent, name: "controller context")
      let next = Channel<Void>(name: "next")
      spawn("backoff-controller") {
        while true {
          var stop = false
          select(.receive(context.done) { _ in stop = true }, .receive(after(interval)))
          if stop { return }
          if fixed {
            select(.receive(context.done) { _ in stop = true }, .send(next, ()))
            if stop { return }
          } else {
            next.send(())
          }
        }
      }
      return Controller(next: next.receiveOnly)
    }
    func request() {
      let (context, cancel) = Context.withTimeout(seconds: 0.05, name: "request")
      defer { cancel() }
      let backoff = newController(context, interval: 0.02)
      while !context.isCancelled {  // backoff.Continue: Done, or the next attempt
        _ = backoff.next.receive()
        pause(milliseconds: 40)  // the attempt fails, slowly
      }
    }
    request()
    pause(milliseconds: 100)
  }

  /// mtlynch/whatgotdone: Recent fetches each user's entries in a goroutine that sends on
  /// c, and a closer goroutine closes c after the WaitGroup; "we could leak the channel c
  /// if we encountered an error retrieving one of the entries because we exit before the
  /// WaitGroup completes." Fixed by reading every result before returning the error.
  static let whatgotdone676 = Scenario(
    name: "whatgotdone-676",
    summary: "a reader returns on the first error while the other fetches still send",
    story:
      "The handler of /recent starts task fetch-user-entries per user, each sending its result on channel c and then "
      + "calling Done, and task close-results, which waits for WaitGroup fetches and closes c. The "
      + "first result is an error and the handler answers with it and ends: the other fetches wait forever to send, and "
      + "close-results waits forever for them.",
    fix: "The handler keeps the first error and reads every result before it returns.",
    source: "https://github.com/mtlynch/whatgotdone/pull/676"
  ) { fixed in
    @Sendable func recent(users: [String]) -> [String]? {
      let c = Channel<String?>(name: "c")
      let fetches = WaitGroup(name: "fetches")
      for (index, user) in users.enumerated() {
        fetches.add(1)
        spawn("fetch-user-entries") {
          pause(milliseconds: 10 * index)
          c.send(index == 0 ? nil : "entries of \(user)")  // nil: the datastore failed
          fetches.done()
        }
      }
      spawn("close-results") {
        fetches.wait()
        c.close()
      }
      var entries: [String] = []
      var failed = false
      for result in c {
        guard let result else {
          failed = true
          if fixed { continue }
          return nil
        }
        entries.append(result)
      }
      return failed ? nil : entries
    }
    // The HTTP handler's goroutine: it answers with the error and ends.
    spawn("handle-recent") { _ = recent(users: ["alice", "bob", "carol"]) }
    pause(milliseconds: 100)
  }
}
