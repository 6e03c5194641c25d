import Deadtop
import DemoScenarios

/// A caller takes fewer values than its goroutines send, and returns: the rest block
/// forever on their sends.
extension Corpus {
  static let abandonedSenders: [Scenario] = [kubevirt6168, s3sync248, amqp42]

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
}
