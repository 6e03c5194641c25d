import DeadtopABI

// Each view repeats the channel's read-only facts (id, name, capacity, count): a
// protocol sharing them would have to expose the channel itself, and a one-way view must
// not give the other way back, as Go's types do not.

/// Go's `chan<- T`: a channel that can only be sent on (and closed). Give a task this
/// view instead of the channel and deadtop knows it can never take a value out: it is
/// no help to a blocked sender.
public struct SendChannel<Element>: @unchecked Sendable {
  @usableFromInline let channel: Channel<Element>

  init(_ channel: Channel<Element>) { self.channel = channel }

  public var id: UInt64 { channel.id }
  public var name: String? { channel.name }
  public var capacity: Int { channel.capacity }
  /// Values waiting in the buffer (Go's `len`).
  public var count: Int { channel.count }

  @inlinable @inline(never)  // as `Channel.send`
  public func send(
    _ value: Element, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) {
    channel.send(value, view: DT_USER_MAY_SEND, site: (file, line, function))
  }

  public func close(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
    channel.close(
      by: currentTask().pointee.id, view: DT_USER_MAY_SEND, file: file, line: line, function: function)
  }
}

/// Go's `<-chan T`: a channel that can only be received from. A task that has only ever
/// used this view can never send on it or close it, so deadtop does not count it among
/// those who may release a blocked receiver.
public struct ReceiveChannel<Element>: @unchecked Sendable, Sequence {
  @usableFromInline let channel: Channel<Element>

  init(_ channel: Channel<Element>) { self.channel = channel }

  public var id: UInt64 { channel.id }
  public var name: String? { channel.name }
  public var capacity: Int { channel.capacity }
  /// Values waiting in the buffer (Go's `len`).
  public var count: Int { channel.count }

  /// The next value; nil once the channel is closed and drained.
  @inlinable @inline(never)  // as `Channel.send`
  public func receive(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Element? {
    channel.receive(iterating: false, view: DT_USER_MAY_RECEIVE, site: (file, line, function)).value
  }

  /// Go's `v, ok := <-ch`.
  @inlinable @inline(never)  // as `Channel.send`
  public func receiveWithStatus(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> (value: Element?, ok: Bool) {
    channel.receive(iterating: false, view: DT_USER_MAY_RECEIVE, site: (file, line, function))
  }

  public func makeIterator() -> Channel<Element>.Iterator {
    Channel<Element>.Iterator(
      channel: channel, file: #fileID, line: #line, function: "for value in channel",
      view: DT_USER_MAY_RECEIVE)
  }

  /// The loop with its call site recorded, as `Channel.values()`.
  public func values(
    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function
  ) -> Channel<Element>.Values {
    Channel<Element>.Values(
      channel: channel, file: file, line: line, function: function, view: DT_USER_MAY_RECEIVE)
  }
}

extension Channel {
  /// This channel as Go's `chan<- T`.
  public var sendOnly: SendChannel<Element> { SendChannel(self) }
  /// This channel as Go's `<-chan T`.
  public var receiveOnly: ReceiveChannel<Element> { ReceiveChannel(self) }
}

extension SelectCase {
  /// Receives through a receive-only view; nil never fires.
  public static func receive<Element>(
    _ channel: ReceiveChannel<Element>?, _ body: @escaping (Element?) -> Void = { _ in }
  ) -> SelectCase {
    guard let channel else { return never }
    let operation = ReceiveOperation(channel: channel.channel, view: DT_USER_MAY_RECEIVE)
    return SelectCase(operation: operation) {
      body(operation.handoff.delivered ? operation.handoff.value : nil)
    }
  }

  /// Sends through a send-only view; nil never fires.
  public static func send<Element>(
    _ channel: SendChannel<Element>?, _ value: Element, _ body: @escaping () -> Void = {}
  ) -> SelectCase {
    guard let channel else { return never }
    return SelectCase(
      operation: SendOperation(channel: channel.channel, value: value, view: DT_USER_MAY_SEND), chosen: body)
  }
}
