import DeadtopABI
import DeadtopRuntimeC

#if canImport(Glibc)
  import Glibc
#endif

/// Go's `time.After`: a channel that receives once, `seconds` from now. Its channel is
/// marked as fed by the clock, so a select waiting on it is never reported as stuck.
public func after(
  _ seconds: Double, file: StaticString = #fileID, line: UInt = #line
) -> Channel<Void> {
  let channel = Channel<Void>(
    capacity: 1, name: "after \(formatSeconds(seconds))", clockDriven: true, referencesOf: nil, file: file,
    line: line)
  Timers.shared.schedule(in: seconds) {
    Runtime.shared.timeouts.add(1, ordering: .relaxed)
    channel.deliverFromClock(())
  }
  return channel
}

/// Go's `time.Timer`: `channel` receives once, `seconds` after it was made or last reset,
/// unless stopped first. While armed its channel counts as fed by the clock; once it has
/// fired or is stopped, a task waiting on it is judged like any other (it may be stuck).
public final class Timer: @unchecked Sendable {
  public let channel: Channel<Void>
  private let arming = Arming()

  public init(
    after seconds: Double, name: String? = nil, file: StaticString = #fileID, line: UInt = #line,
    function: StaticString = #function
  ) {
    channel = Channel<Void>(
      capacity: 1, name: name ?? "timer \(formatSeconds(seconds))", clockDriven: true, referencesOf: nil,
      file: file, line: line, function: function)
    arm(seconds)
  }

  /// Stops it; true if it had not fired yet. A value it sent but nobody received is dropped.
  @discardableResult
  public func stop() -> Bool {
    let wasArmed = arming.stop()
    channel.discardBuffered()
    channel.setClockDriven(false)
    return wasArmed
  }

  /// Stops it and arms it again to fire `seconds` from now; true if it had not fired yet.
  @discardableResult
  public func reset(after seconds: Double) -> Bool {
    let wasArmed = stop()
    channel.setClockDriven(true)
    arm(seconds)
    return wasArmed
  }

  private func arm(_ seconds: Double) {
    arming.arm(seconds) { [weak self] in
      guard let self else { return }
      Runtime.shared.timeouts.add(1, ordering: .relaxed)
      self.channel.deliverFromClock(())
    }
  }
}

/// Which arming of a one-shot timer is current: a stop or a reset makes a deadline that
/// was armed before it do nothing when it comes.
final class Arming: @unchecked Sendable {
  private let lock = PlatformLock()
  private var generation = 0
  private var armed = false

  /// Disarms; true if it was armed (had not fired).
  func stop() -> Bool {
    lock.withLock {
      defer {
        armed = false
        generation += 1
      }
      return armed
    }
  }

  /// Arms it for `seconds` from now: `fire` runs then, unless it was stopped or armed
  /// again meanwhile.
  func arm(_ seconds: Double, _ fire: @escaping () -> Void) {
    let armedGeneration = lock.withLock {
      armed = true
      return generation
    }
    Timers.shared.schedule(in: seconds) {
      let current = self.lock.withLock {
        guard self.armed && self.generation == armedGeneration else { return false }
        self.armed = false
        return true
      }
      if current { fire() }
    }
  }
}

/// Go's `time.AfterFunc`: runs `body` in a task of its own, `seconds` from now, unless
/// stopped first. The task is spawned by the task that armed the timer (its parent in
/// deadtop) and named `name`. Until it fires, the closure holds what it captured, so a
/// channel it will close or send on counts as referenced by someone else: a task waiting
/// for it is not judged stuck.
@discardableResult
public func afterFunc(
  _ seconds: Double, name: String = "afterFunc", file: StaticString = #fileID, line: UInt = #line,
  function: StaticString = #function, _ body: @escaping @Sendable () -> Void
) -> FuncTimer {
  FuncTimer(
    after: seconds, name: name, site: Runtime.shared.site(file, line, function),
    parent: currentTask().pointee.id, body: body)
}

/// The timer `afterFunc` returns (Go's `*Timer` with no channel).
public final class FuncTimer: @unchecked Sendable {
  private let arming = Arming()
  private let name: String
  private let site: UInt32
  private let parent: UInt64
  private let body: @Sendable () -> Void

  init(
    after seconds: Double, name: String, site: UInt32, parent: UInt64, body: @escaping @Sendable () -> Void
  ) {
    self.name = name
    self.site = site
    self.parent = parent
    self.body = body
    arm(seconds)
  }

  /// Stops it; true if its body had not been started yet.
  @discardableResult
  public func stop() -> Bool { arming.stop() }

  /// Arms it to run its body `seconds` from now (again, if it already ran); true if it had
  /// not fired yet.
  @discardableResult
  public func reset(after seconds: Double) -> Bool {
    let wasArmed = stop()
    arm(seconds)
    return wasArmed
  }

  // The pending deadline holds the timer, as Go's timer heap does: an armed AfterFunc
  // runs even when nobody keeps its timer.
  private func arm(_ seconds: Double) {
    arming.arm(seconds) {
      Runtime.shared.timeouts.add(1, ordering: .relaxed)
      spawn(self.name, site: self.site, parent: self.parent, self.body) { message in
        fatal(message, file: #fileID, line: #line, function: "afterFunc")
      }
    }
  }
}

/// Go's `time.Ticker`: `channel` receives every `seconds` until stopped; a tick nobody
/// took in time is dropped, as in Go. While running its channel counts as fed by the clock.
public final class Ticker: @unchecked Sendable {
  public let channel: Channel<Void>
  private let lock = PlatformLock()
  private var generation = 0
  private var period: Double

  public init(
    every seconds: Double, name: String? = nil, file: StaticString = #fileID, line: UInt = #line,
    function: StaticString = #function
  ) {
    precondition(seconds > 0, "a ticker's period must be positive")
    period = seconds
    channel = Channel<Void>(
      capacity: 1, name: name ?? "ticker \(formatSeconds(seconds))", clockDriven: true, referencesOf: nil,
      file: file, line: line, function: function)
    schedule(generation: 0, in: seconds)
  }

  /// Stops the ticks; a task waiting for one is then judged like any other.
  public func stop() {
    lock.withLock { generation += 1 }
    channel.setClockDriven(false)
  }

  /// Ticks every `seconds` from now on.
  public func reset(every seconds: Double) {
    precondition(seconds > 0, "a ticker's period must be positive")
    let next = lock.withLock {
      generation += 1
      period = seconds
      return generation
    }
    channel.setClockDriven(true)
    schedule(generation: next, in: seconds)
  }

  // A ticker nobody references any more stops ticking (as Go's, since 1.23).
  private func schedule(generation scheduled: Int, in seconds: Double) {
    Timers.shared.schedule(in: seconds) { [weak self] in
      guard let self else { return }
      let period: Double? = self.lock.withLock { self.generation == scheduled ? self.period : nil }
      guard let period else { return }
      self.channel.deliverFromClock((), clockFeedsMore: true)
      self.schedule(generation: scheduled, in: period)
    }
  }
}

/// Sleeps, shown by deadtop as a sleep (which always ends by itself).
public func sleep(
  _ seconds: Double, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
) {
  let task = currentTask()
  let site = Runtime.shared.site(file, line, function)
  let nanoseconds = UInt64(max(0, seconds) * 1e9)
  let since = Runtime.shared.beginWait(
    task, kind: Int32(DT_WAIT_SLEEP), target: 0, site: site, flags: UInt32(DT_WAIT_TIMED),
    deadline: dt_monotonic_ns() + nanoseconds)
  var pause = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
  var left = timespec()
  while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
  Runtime.shared.endWait(task, kind: Int32(DT_WAIT_SLEEP), target: 0, site: site, since: since)
}

func formatSeconds(_ seconds: Double) -> String {
  seconds >= 1 ? "\(Double(Int(seconds * 10)) / 10)s" : "\(Int(seconds * 1000))ms"
}

/// One thread (not a task) that runs timer actions at their deadlines.
final class Timers: @unchecked Sendable {
  static let shared = Timers()

  private let lock = PlatformLock()
  private var pending: [(deadline: UInt64, action: () -> Void)] = []
  private var started = false

  func schedule(in seconds: Double, _ action: @escaping () -> Void) {
    let deadline = dt_monotonic_ns() + UInt64(max(0, seconds) * 1e9)
    lock.withLock {
      pending.append((deadline, action))
      if !started {
        started = true
        startThread()
      }
      lock.broadcast()
    }
  }

  private func startThread() {
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let context = Unmanaged.passRetained(self).toOpaque()
    if pthread_create(&thread, &attributes, runTimers, context) != 0 {
      Unmanaged<Timers>.fromOpaque(context).release()
    }
    pthread_attr_destroy(&attributes)
  }

  func run() -> Never {
    // Not a task: its actions deliver to channels without registering it.
    dt_set_thread_name("deadtop-timers")
    while true {
      var due: [() -> Void] = []
      lock.withLock {
        while true {
          let now = dt_monotonic_ns()
          due = pending.filter { $0.deadline <= now }.map(\.action)
          pending.removeAll { $0.deadline <= now }
          if !due.isEmpty { break }
          if let next = pending.map(\.deadline).min() { lock.wait(until: next) } else { lock.wait() }
        }
      }
      for action in due { action() }
    }
  }
}

private func runTimers(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  Unmanaged<Timers>.fromOpaque(context!).takeRetainedValue().run()
}
