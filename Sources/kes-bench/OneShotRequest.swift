import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A single request on its own connection, for the set-up steps (create the key, make a ciphertext)
/// and for the connections `--hold` keeps open.
enum OneShotRequest {
    struct Reply: Sendable {
        let status: UInt
        let body: String
        /// The connection, still open, when the caller asked to keep it.
        let channel: (any Channel)?
    }

    /// A server that accepts but never finishes the handshake or never answers must not hold
    /// kes-bench (and a script waiting on it) forever.
    static let answerTimeout = TimeAmount.seconds(30)

    struct NoAnswer: Error, CustomStringConvertible {
        var description: String { "no answer within \(OneShotRequest.answerTimeout.nanoseconds / 1_000_000_000) s" }
    }

    /// `keepOpen`: leave the connection open after the answer and hand it over in the reply.
    static func send(
        _ request: RequestTemplate, plan: LoadPlan, on eventLoop: any EventLoop, keepOpen: Bool = false
    ) -> EventLoopFuture<Reply> {
        let promise = eventLoop.makePromise(of: Reply.self)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try plan.addClientHandlers(to: channel)
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(request: request, promise: promise, keepOpen: keepOpen))
                    let timeout = channel.eventLoop.scheduleTask(in: answerTimeout) {
                        promise.fail(NoAnswer())
                        channel.close(promise: nil)
                    }
                    promise.futureResult.whenComplete { _ in timeout.cancel() }
                }
            }
            .connect(to: plan.socketAddress)
            .whenFailure { promise.fail($0) }
        return promise.futureResult
    }

    private final class CollectingHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        let request: RequestTemplate
        let promise: EventLoopPromise<Reply>
        let keepOpen: Bool
        var status: UInt = 0
        var body = ""

        init(request: RequestTemplate, promise: EventLoopPromise<Reply>, keepOpen: Bool) {
            self.request = request
            self.promise = promise
            self.keepOpen = keepOpen
        }

        func channelActive(context: ChannelHandlerContext) {
            context.write(NIOAny(HTTPClientRequestPart.head(request.head)), promise: nil)
            if let requestBody = request.body {
                context.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(requestBody))), promise: nil)
            }
            context.writeAndFlush(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = head.status.code
            case .body(let part): body += String(buffer: part)
            case .end:
                promise.succeed(Reply(status: status, body: body, channel: keepOpen ? context.channel : nil))
                if !keepOpen { context.close(promise: nil) }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            // After an answer this is a no-op: a completed promise ignores later outcomes.
            struct ClosedEarly: Error, CustomStringConvertible {
                var description: String { "the server closed the connection before answering" }
            }
            if status == 0 { promise.fail(ClosedEarly()) }
            context.fireChannelInactive()
        }
    }
}
