import DeadtopExporter
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The exporter's HTTP/1.1 server (SwiftNIO): each request is answered from the current
/// view, on the event loop, without waiting for a refresh; a slow or broken client
/// holds only its own connection. Malformed requests get NIO's 400.
enum HTTPServer {
  static func run(address: ListenAddress, views: ViewBox, longWaitSeconds: Double) throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(
            RequestHandler(views: views, longWaitSeconds: longWaitSeconds))
        }
      }
      .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
    let channel = try bootstrap.bind(host: address.host, port: address.port).wait()
    let port = channel.localAddress?.port ?? address.port
    let host = address.host.contains(":") ? "[\(address.host)]" : address.host
    // Tools (and the tests) read the address from this line.
    let line = Array("deadtop-exporter: listening on http://\(host):\(port)\n".utf8)
    line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    try channel.closeFuture.wait()
  }
}

final class RequestHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let views: ViewBox
  private let longWaitSeconds: Double
  private var head: HTTPRequestHead?

  init(views: ViewBox, longWaitSeconds: Double) {
    self.views = views
    self.longWaitSeconds = longWaitSeconds
  }

  /// A malformed request has had its 400 (NIO's error handler): the connection ends.
  func errorCaught(context: ChannelHandlerContext, error: Error) {
    context.close(promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head): self.head = head
    case .body: break
    case .end:
      guard let head else { return }
      self.head = nil
      let response = ExporterRoutes.respond(
        method: head.method.rawValue, uri: head.uri, view: views.current, longWaitSeconds: longWaitSeconds)
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: response.contentType)
      headers.add(name: "Content-Length", value: "\(response.body.utf8.count)")
      let keepAlive = head.isKeepAlive
      if !keepAlive { headers.add(name: "Connection", value: "close") }
      let status = HTTPResponseStatus(statusCode: response.status)
      context.write(
        wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
        promise: nil)
      if head.method != .HEAD {
        var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        buffer.writeString(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
      }
      let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
      if !keepAlive {
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
      }
    }
  }
}
