import Deadtop
import DemoScenarios

/// A caller takes fewer values than its goroutines send, and returns: the rest block
/// forever on their sends.
extension Corpus {
  static let abandonedSenders: [Scenario] = [kubevirt6168, s3sync248]

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
}
