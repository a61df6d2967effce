import NIOCore
import Synchronization

/// Fans log lines out to the clients streaming `/v1/log/audit` or `/v1/log/error`.
///
/// Writes never wait: a subscriber whose connection stops draining (its channel turns
/// unwritable) is dropped, so a slow reader cannot slow down requests.
final class LogStream: Sendable {
    private struct Subscriber {
        let channel: any Channel
        /// HTTP/1.1 clients get chunked framing; HTTP/1.0 ones, which know no chunks, get the raw
        /// lines and the end of the connection ends the body.
        let chunked: Bool
    }

    private let subscribers = Mutex<[ObjectIdentifier: Subscriber]>([:])
    private let dropHandler = Mutex<(@Sendable (String) -> Void)?>(nil)
    let name: String

    init(name: String) {
        self.name = name
    }

    /// Where to report a dropped subscriber; set once the error log exists.
    func onDrop(_ handler: @escaping @Sendable (String) -> Void) {
        dropHandler.withLock { $0 = handler }
    }

    var hasSubscribers: Bool {
        subscribers.withLock { !$0.isEmpty }
    }

    func subscribe(_ channel: any Channel, chunked: Bool) {
        subscribers.withLock { $0[ObjectIdentifier(channel)] = Subscriber(channel: channel, chunked: chunked) }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.unsubscribe(channel)
        }
    }

    func unsubscribe(_ channel: any Channel) {
        _ = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Sends one NDJSON line (the caller adds the trailing newline) to every subscriber.
    func publish(_ line: [UInt8]) {
        let current = subscribers.withLock { Array($0.values) }
        guard !current.isEmpty else { return }
        var dropped: [any Channel] = []
        for subscriber in current {
            let channel = subscriber.channel
            guard channel.isWritable else {
                dropped.append(channel)
                continue
            }
            let bytes = subscriber.chunked ? ResponseEncoding.chunk(line, allocator: channel.allocator) : channel.allocator.buffer(bytes: line)
            channel.writeAndFlush(bytes, promise: nil)
        }
        for channel in dropped {
            unsubscribe(channel)
            channel.close(promise: nil)
            let report = dropHandler.withLock { $0 }
            report?("log: dropped a subscriber of the \(name) log that fell behind")
        }
    }
}
