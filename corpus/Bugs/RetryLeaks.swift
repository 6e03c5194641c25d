import Deadtop
import DemoScenarios

/// A task that retries with a backoff until its context is cancelled, on a context that
/// nobody can cancel any more: it never blocks for good, and never ends.
extension Corpus {
  static let retryLeaks: [Scenario] = [grpcGo862, rethinkdbGo388]

  /// grpc/grpc-go: DialContext with a blocking dial returns `(nil, err)` when its context
  /// times out, "without properly closing the ClientConn, resulting in an unavoidable
  /// leak of the resetAddrConn goroutine": the addrConn's transport goroutine retries the
  /// connection with a backoff, in `select { case <-time.After(backoff): case
  /// <-ac.ctx.Done(): }`, and the cancel function of that context went with the
  /// ClientConn. Fixed by closing the ClientConn on every error return.
  static let grpcGo862 = Scenario(
    name: "grpc-go-862",
    summary: "a dial that times out drops its connection, whose transport goroutine retries forever",
    story:
      "dialContext makes a ClientConn with a cancellable context and starts task reset-transport, which "
      + "retries the connection after a backoff until that context is cancelled. The server never "
      + "answers, the dial's own timeout expires, and dialContext returns nil without closing the "
      + "ClientConn: nobody can cancel its context any more, and reset-transport retries forever.",
    fix: "dialContext closes the ClientConn (cancelling its context) on every error return.",
    source: "https://github.com/grpc/grpc-go/pull/862"
  ) { fixed in
    final class ClientConn: @unchecked Sendable {
      let context: Context
      let cancel: @Sendable () -> Void
      let ready = Channel<Void>(capacity: 1, name: "transport ready")

      init() { (context, cancel) = Context.withCancel(name: "clientconn context") }

      /// The addrConn's transport loop: connect, and on failure back off and try again.
      func startResetTransport() {
        // The addrConn's context, a child of the connection's; only the loop holds it (in
        // grpc it also reaches the ClientConn through `ac.cc`, which no count can see).
        let (addressContext, _) = Context.withCancel(context, name: "addrconn context")
        spawn("reset-transport") { [ready] in
          var backoff = 0.02
          while true {
            if connect(to: "10.0.0.7:443") {
              ready.send(())
              return
            }
            var cancelled = false
            select(.receive(after(backoff)), .receive(addressContext.done) { _ in cancelled = true })
            if cancelled { return }
            backoff = min(backoff * 1.6, 0.12)
          }
        }
      }

      func close() { cancel() }
    }

    /// A connection attempt to a server that never answers.
    @Sendable func connect(to address: String) -> Bool { address.isEmpty }

    func dialContext(timeout: Double) -> ClientConn? {
      let (dialContext, cancelDial) = Context.withTimeout(seconds: timeout, name: "dial context")
      defer { cancelDial() }
      let connection = ClientConn()
      connection.startResetTransport()
      var connected = false
      select(.receive(connection.ready) { _ in connected = true }, .receive(dialContext.done))
      if connected { return connection }
      if fixed { connection.close() }
      return nil  // context deadline exceeded
    }
    _ = dialContext(timeout: 0.1)
    pause(milliseconds: 300)  // the transport goroutine retries a few times
  }

  /// rethinkdb/rethinkdb-go: each reconnect makes a new cluster, whose epsilon-greedy
  /// host pool starts epsilonGreedyDecay, a loop on `select { case <-p.quit: return; case
  /// <-ticker.C: decay }`. "Because Cluster#Close() doesn't call hp.Close() this goroutine
  /// is never stopped": one leaks per reconnect, ticking forever. Fixed by closing the
  /// host pool in Cluster.Close.
  static let rethinkdbGo388 = Scenario(
    name: "rethinkdb-go-388",
    summary: "closing a cluster leaves its host pool's decay loop ticking forever",
    story:
      "reconnect makes a cluster whose host pool starts task epsilon-greedy-decay, which decays the "
      + "hosts' scores on each tick until channel quit is closed. Closing the cluster does not close "
      + "the pool: nobody can close quit any more, and the decay loop ticks on for good.",
    fix: "Cluster.close closes its host pool, which closes quit.",
    source: "https://github.com/rethinkdb/rethinkdb-go/issues/388"
  ) { fixed in
    final class HostPool: @unchecked Sendable {
      let quit: Channel<Void>
      init(quit: Channel<Void>) { self.quit = quit }
      func close() { quit.close() }
    }
    func newEpsilonGreedy() -> HostPool {
      let quit = Channel<Void>(name: "quit")
      let ticker = Ticker(every: 0.03, name: "decay ticker")
      spawn("epsilon-greedy-decay") {
        while true {
          var stop = false
          select(.receive(quit) { _ in stop = true }, .receive(ticker.channel) { _ in })  // decays on a tick
          if stop {
            ticker.stop()
            return
          }
        }
      }
      return HostPool(quit: quit)
    }
    final class Cluster: @unchecked Sendable {
      let hostPool: HostPool
      init(hostPool: HostPool) { self.hostPool = hostPool }
      func close(fixed: Bool) { if fixed { hostPool.close() } }
    }
    func reconnect() {
      let cluster = Cluster(hostPool: newEpsilonGreedy())
      pause(milliseconds: 20)  // the session uses it
      cluster.close(fixed: fixed)
    }
    reconnect()
    pause(milliseconds: 300)
  }
}
