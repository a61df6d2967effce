import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The HTTP client every backend (and the SDK) builds the same way.
public enum BackendHTTPClient {
    /// A client that fails at once when a server refuses connections, as Go's client does:
    /// retrying until the connect timeout would only delay the "unreachable" answer, while the
    /// callers' own loops (token renewal, health checks, failover, the server's cache) already
    /// cover an outage. Redirects are never followed: they would carry credentials to wherever
    /// they point.
    public static func make(
        tls: TLSConfiguration? = nil,
        connectTimeout: TimeAmount,
        readTimeout: TimeAmount? = nil,
        http1Only: Bool = false
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout, read: readTimeout)
        )
        if http1Only { configuration.httpVersion = .http1Only }
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// One line for a failed exchange, naming timeouts and TLS failures as such. AsyncHTTPClient's
    /// and NIOSSL's errors never include request headers or bodies, so no credential leaks here.
    public static func describe(_ error: any Error) -> String {
        if isTimeout(error) { return "request timed out (\(error))" }
        if let error = error as? HTTPClientError {
            return "\(error)"
        }
        if let error = error as? NIOSSLError {
            return "TLS: \(error)"
        }
        return String(describing: error)
    }

    /// True when the exchange ran out of time rather than being refused or reset.
    public static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error)
    }

    /// True when `error` happened while connecting, so the request never left: it can be sent
    /// to another server without risk of applying it twice. A timeout or a reset once connected
    /// could have come after the server acted.
    public static func failedBeforeSending(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError:
            return error == .connectTimeout
        case is NIOConnectionError:
            return true
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as IOError:
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ECONNABORTED].contains(error.errnoCode)
        case let error as NIOSSLError:
            if case .handshakeFailed = error { return true }
            return false
        default:
            return false
        }
    }

    /// The body of a response, read up to `limit` bytes; a larger body is an error rather than
    /// an unbounded allocation.
    public static func collect(_ response: HTTPClientResponse, upTo limit: Int) async throws -> [UInt8] {
        Array(buffer: try await response.body.collect(upTo: limit))
    }
}
