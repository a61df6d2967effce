import AsyncHTTPClient
import Foundation
import KESHTTPBackend
import NIOCore

extension KESClient {
    /// Streams the audit log: one event per API call anyone makes, until the stream is
    /// cancelled or the connection drops. The headers arrive before this returns.
    public func auditLog() async throws -> AsyncThrowingStream<AuditEvent, any Error> {
        try await stream("/v1/log/audit", as: AuditEvent.self)
    }

    /// Streams the error log: backend and server errors as they happen.
    public func errorLog() async throws -> AsyncThrowingStream<ErrorEvent, any Error> {
        try await stream("/v1/log/error", as: ErrorEvent.self)
    }

    private func stream<Event: Decodable & Sendable>(_ path: String, as: Event.Type) async throws
        -> AsyncThrowingStream<Event, any Error>
    {
        let (response, endpoint) = try await open(.GET, path, body: nil, deadline: .distantFuture)
        return AsyncThrowingStream { continuation in
            let task = Task {
                let decoder = JSONDecoder.kes
                var pending: [UInt8] = []
                do {
                    for try await chunk in response.body {
                        pending += chunk.readableBytesView
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let line = pending[..<newline]
                            pending.removeSubrange(...newline)
                            if line.isEmpty { continue }
                            continuation.yield(try decoder.decode(Event.self, from: Data(line)))
                        }
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch let error as DecodingError {
                    continuation.finish(throwing: KESError.server(status: 200, message: "invalid event from \(endpoint)\(path): \(error)"))
                } catch {
                    continuation.finish(throwing: KESError.unreachable(endpoint: endpoint, reason: BackendHTTPClient.describe(error)))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
