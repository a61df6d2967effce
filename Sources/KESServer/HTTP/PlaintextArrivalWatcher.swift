import NIOCore
import NIOHTTP1

/// Sits between TLS and the HTTP decoder and tells the connection handler when request bytes
/// arrive, before the decoder has made a request part of them.
///
/// The decoder keeps a partial head to itself, so without this the handler could not tell a
/// quiet keep-alive connection from one that trickles a head a byte at a time: a slow-header
/// client would be held for the whole idle timeout, reset by every byte.
final class PlaintextArrivalWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: ConnectionHandler

    init(connection: ConnectionHandler) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.plaintextArrived(at: context.eventLoop.now)
        context.fireChannelRead(data)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The HTTP part of a connection's pipeline, behind TLS: the watcher, NIO's request decoder
    /// and the connection handler.
    func addHTTPHandlers(_ connection: ConnectionHandler) throws {
        try addHandler(PlaintextArrivalWatcher(connection: connection))
        try addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
        try addHandler(connection)
    }
}
