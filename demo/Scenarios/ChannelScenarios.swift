// One file over ~350 lines: each channel scenario stands beside its fixed variant.
import Deadtop

/// The channel and WaitGroup deadlocks of the seed articles, with Go's real semantics,
/// and the defensive patterns that fix them.
extension Scenarios {
  static let channelScenarios: [Scenario] = [
    bufferOverfill, receiveFirst, unbufferedSend, rangeUnclosed, waitGroupMissingDone,
    waitGroupAddInside, mutexSend, condNeverSignalled, leakedChild, selectDefault, selectTimeout,
    errgroupCancel, closeTwice, sendOnClosed,
  ]

  /// A task that keeps running, so that a deadlock elsewhere is a partial one.
  static func heartbeat() {
    spawn("heartbeat") {
      while true { Deadtop.sleep(0.1) }
    }
  }

  static let bufferOverfill = Scenario(
    name: "buffer-overfill",
    summary: "a buffered channel filled past its capacity with no receiver",
    story:
      "main makes channel results with room for 2 and sends 3 values before anyone receives. "
      + "The third send waits for a receiver that never comes: all tasks are asleep.",
    fix: "A collector task receives while main sends.",
    endsInFatalError: false
  ) { fixed in
    let results = Channel<Int>(capacity: 2, name: "results")
    let collector = fixed ? spawn("collector") { for _ in 0..<3 { _ = results.receive() } } : nil
    for value in 1...3 { results.send(value) }
    collector?.join()
  }

  static let receiveFirst = Scenario(
    name: "receive-first",
    summary: "two tasks each receive from the other's channel before sending",
    story:
      "Task ping receives from channel pongs, then sends on pings; task pong receives from pings, "
      + "then sends on pongs. Both receive first, so neither ever sends; main waits for both.",
    fix: "ping sends first, then receives: the exchange starts.",
    endsInFatalError: false
  ) { fixed in
    let pings = Channel<Int>(name: "pings")
    let pongs = Channel<Int>(name: "pongs")
    let players = WaitGroup(name: "players")
    players.go("ping") {
      if fixed {
        pings.send(1)
        _ = pongs.receive()
      } else {
        _ = pongs.receive()
        pings.send(1)
      }
    }
    players.go("pong") {
      _ = pings.receive()
      pongs.send(2)
    }
    players.wait()
  }

  static let unbufferedSend = Scenario(
    name: "unbuffered-send",
    summary: "a send on an unbuffered channel that nobody receives",
    story:
      "main sends on unbuffered channel done before starting the task that would receive. "
      + "An unbuffered send waits for a receiver: main never gets past it.",
    fix: "The receiver starts first; the send meets it.",
    endsInFatalError: false
  ) { fixed in
    let done = Channel<Bool>(name: "done")
    if fixed {
      let receiver = spawn("receiver") { _ = done.receive() }
      done.send(true)
      receiver.join()
    } else {
      done.send(true)
      spawn("receiver") { _ = done.receive() }.join()
    }
  }

  static let rangeUnclosed = Scenario(
    name: "range-unclosed",
    summary: "a receiver ranges over a channel that nobody closes",
    story:
      "Task producer sends three jobs on channel jobs and returns without closing it. Task consumer "
      + "ranges over jobs: after the third it waits for a fourth, or a close, forever. "
      + "Task heartbeat runs on: a partial deadlock Go's runtime never reports.",
    fix: "The producer closes jobs when it is done; the range ends.",
    endsInFatalError: false
  ) { fixed in
    heartbeat()
    func startPipeline() -> TaskHandle {
      let jobs = Channel<Int>(name: "jobs")
      spawn("producer") {
        for job in 1...3 { jobs.send(job) }
        if fixed { jobs.close() }
      }
      return spawn("consumer") {
        var handled = 0
        for _ in jobs.values() { handled += 1 }
        say("consumer handled \(handled) jobs")
      }
    }
    startPipeline().join()
  }

  static let waitGroupMissingDone = Scenario(
    name: "waitgroup-missing-done",
    summary: "a WaitGroup worker returns early without calling done",
    story:
      "main adds 3 to WaitGroup workers and starts three workers. Worker 2 hits an error and "
      + "returns before done; the counter stays at 1 and main's wait never returns.",
    fix: "Every worker calls done on every path (Go: defer wg.Done()).",
    endsInFatalError: false
  ) { fixed in
    let workers = WaitGroup(name: "workers")
    workers.add(3)
    for index in 1...3 {
      spawn("worker-\(index)") {
        if fixed {
          defer { workers.done() }
          if index == 2 { return }
        } else {
          if index == 2 { return }  // the error path forgets done
          workers.done()
        }
      }
    }
    workers.wait()
  }

  static let waitGroupAddInside = Scenario(
    name: "waitgroup-add-inside",
    summary: "WaitGroup.add called inside the spawned tasks",
    story:
      "main starts three workers that each call add(1) when they begin, then waits. The counter "
      + "is still 0, so wait returns at once; main closes channel results, and the first worker "
      + "to send on it panics: \"send on closed channel\".",
    fix: "main calls add(3) before it starts the workers.",
    endsInFatalError: true
  ) { fixed in
    let group = WaitGroup(name: "workers")
    let results = Channel<Int>(capacity: 3, name: "results")
    // The workers begin only after main has closed results: the race, made certain.
    let mainClosed = Rendezvous(parties: 4)
    if fixed { group.add(3) }
    for index in 1...3 {
      spawn("worker-\(index)") {
        if !fixed {
          mainClosed.arriveAndWait()
          group.add(1)
        }
        results.send(index)
        group.done()
      }
    }
    group.wait()
    results.close()
    if !fixed { mainClosed.arriveAndWait() }
    var received = 0
    for _ in results.values() { received += 1 }
    say("main received \(received) results")
    pause(milliseconds: 500)
  }

  static let mutexSend = Scenario(
    name: "mutex-send",
    summary: "a task holds a mutex while sending to a task that waits for that mutex",
    story:
      "Task writer locks mutex state and sends on unbuffered channel updates; task reader locks "
      + "state before it receives. Each waits for the other; task server waits for both, and "
      + "heartbeat runs on.",
    fix: "writer unlocks state before it sends.",
    endsInFatalError: false
  ) { fixed in
    heartbeat()
    spawn("server") {
      let state = Mutex(name: "state")
      let updates = Channel<Int>(name: "updates")
      let writerHolds = Rendezvous(parties: 2)
      let group = WaitGroup(name: "server-tasks")
      group.go("writer") {
        state.lock()
        writerHolds.arriveAndWait()
        if fixed { state.unlock() }
        updates.send(1)
        if !fixed { state.unlock() }
      }
      group.go("reader") {
        writerHolds.arriveAndWait()
        state.lock()
        state.unlock()
        _ = updates.receive()
      }
      group.wait()
    }.join()
  }

  static let condNeverSignalled = Scenario(
    name: "cond-never-signalled",
    summary: "a Cond waiter that nobody will ever signal",
    story:
      "Task setup makes a queue with Cond nonEmpty, starts task consumer, which waits for an item, "
      + "and returns without adding one. Nobody else can reach the queue: consumer waits forever "
      + "while heartbeat runs on.",
    fix: "setup adds an item and signals before it returns.",
    endsInFatalError: false
  ) { fixed in
    heartbeat()
    let consumer = Guarded<TaskHandle?>(nil)
    spawn("setup") {
      let lock = Mutex(name: "queue")
      let nonEmpty = Cond(lock, name: "nonEmpty")
      let items = Guarded([Int]())
      consumer.value = spawn("consumer") {
        lock.lock()
        while items.value.isEmpty { nonEmpty.wait() }
        say("consumer got item \(items.value.removeFirst())")
        lock.unlock()
      }
      if fixed {
        lock.lock()
        items.value.append(1)
        nonEmpty.signal()
        lock.unlock()
      }
    }.join()
    consumer.value?.join()
  }

  static let leakedChild = Scenario(
    name: "leaked-child",
    summary: "a child leaks on its send after the parent's select timed out",
    story:
      "fetch() starts task lookup, which answers on unbuffered channel answer after 300 ms, and "
      + "selects on answer or a 100 ms timeout. The timeout wins and fetch returns: nobody will "
      + "ever receive, and lookup waits on its send forever (a goroutine leak) while main runs on.",
    fix: "answer has room for one value: lookup's send completes and it ends.",
    endsInFatalError: false
  ) { fixed in
    func fetch() -> String {
      let answer = Channel<String>(capacity: fixed ? 1 : 0, name: "answer")
      spawn("lookup") {
        Deadtop.sleep(0.3)
        answer.send("42")
      }
      var result = "timed out"
      select(
        .receive(answer) { result = $0 ?? "closed" },
        .receive(after(0.1)) { _ in })
      return result
    }
    say("fetch: \(fetch())")
    if fixed {
      Deadtop.sleep(0.5)  // lookup's send went into the buffer: it has ended
      return
    }
    while true { Deadtop.sleep(0.1) }
  }

  static let selectDefault = Scenario(
    name: "select-default",
    summary: "a status update blocks on a full channel nobody reads",
    story:
      "Task poller publishes each status on channel status (room for 1); the dashboard that read "
      + "it has gone. The second send finds the buffer full and waits forever.",
    fix: "poller sends in a select with default: when nobody reads, the update is dropped.",
    endsInFatalError: false
  ) { fixed in
    let status = Channel<Int>(capacity: 1, name: "status")
    spawn("poller") {
      for value in 1...5 {
        if fixed {
          select(.send(status, value), default: {})
        } else {
          status.send(value)
        }
      }
    }.join()
  }

  static let selectTimeout = Scenario(
    name: "select-timeout",
    summary: "a receive from a worker that died without answering",
    story:
      "main starts task worker and receives its result on channel result; worker fails and "
      + "returns without sending. main waits forever.",
    fix: "main selects on result or a 200 ms timeout, and gives up.",
    endsInFatalError: false
  ) { fixed in
    let result = Channel<Int>(name: "result")
    spawn("worker") {
      Deadtop.sleep(0.05)  // fails, and returns without sending
    }
    if fixed {
      select(.receive(result) { _ in }, .receive(after(0.2)) { _ in say("gave up waiting") })
    } else {
      _ = result.receive()
    }
  }

  static let errgroupCancel = Scenario(
    name: "errgroup",
    summary: "workers block sending after the collector stopped at the first error",
    story:
      "Three workers send results on unbuffered channel results; the collector stops reading at the "
      + "first error. The other workers wait on their sends forever, and main waits for them.",
    fix: "errgroup: the first error cancels the group's context, and each worker selects on "
      + "its send or the context's done channel.",
    endsInFatalError: false
  ) { fixed in
    struct Failed: Error {}
    let results = Channel<Int>(name: "results")
    if fixed {
      let group = ErrorGroup(name: "workers")
      for index in 1...3 {
        group.go("worker-\(index)") { context in
          if index == 1 { throw Failed() }
          Deadtop.sleep(0.05)
          select(.send(results, index), .receive(context.done) { _ in })
        }
      }
      let error = group.wait()
      say("group ended: \(error.map { "\($0)" } ?? "no error")")
    } else {
      let group = WaitGroup(name: "workers")
      for index in 1...3 {
        group.go("worker-\(index)") {
          Deadtop.sleep(0.05 * Double(index))
          results.send(index == 1 ? -1 : index)
        }
      }
      spawn("collector") {
        for value in results.values() where value < 0 { return }  // stops at the first error
      }
      group.wait()
    }
  }

  static let closeTwice = Scenario(
    name: "close-twice",
    summary: "two producers each close the shared channel",
    story:
      "Tasks producer-1 and producer-2 each send and then close channel items. The second close "
      + "is Go's panic: \"close of closed channel\".",
    fix: "The owner closes items once, after a WaitGroup says both producers are done.",
    endsInFatalError: true
  ) { fixed in
    let items = Channel<Int>(capacity: 4, name: "items")
    let producers = WaitGroup(name: "producers")
    for index in 1...2 {
      producers.go("producer-\(index)") {
        items.send(index)
        if !fixed {
          Deadtop.sleep(0.05 * Double(index))
          items.close()
        }
      }
    }
    producers.wait()
    if fixed { items.close() }
    pause(milliseconds: 300)
    say("items: \(items.values().map { "\($0)" }.joined(separator: ", "))")
  }

  static let sendOnClosed = Scenario(
    name: "send-on-closed",
    summary: "a consumer closes the channel while the producer still sends",
    story:
      "Task consumer takes one value from channel feed and closes it to say it is done; task "
      + "producer's next send is Go's panic: \"send on closed channel\".",
    fix: "Only the producer, the channel's owner, closes it; the consumer drains until then.",
    endsInFatalError: true
  ) { fixed in
    let feed = Channel<Int>(name: "feed")
    let producer = spawn("producer") {
      for value in 1...3 { feed.send(value) }
      if fixed { feed.close() }
    }
    let consumer = spawn("consumer") {
      if fixed {
        for _ in feed.values() {}
      } else {
        _ = feed.receive()
        feed.close()
      }
    }
    consumer.join()
    producer.join()
  }
}
