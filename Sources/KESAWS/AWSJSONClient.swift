import AsyncHTTPClient
import Foundation
import KESCore
import KESHTTPBackend
import NIOCore

/// Why an AWS call did not produce a result.
public enum AWSCallError: Error, Sendable, Equatable {
    /// No HTTP response: refused, reset, DNS, TLS or the deadline passed.
    case transport(String)
    /// AWS answered with an error document.
    case service(AWSServiceError)
    /// AWS answered 2xx but the body was not what the operation returns.
    case malformedResponse(String)
    /// No valid credentials to sign with: temporary ones expired and could not be renewed.
    case credentials(String)
}

/// An AWS error response in the SDK's `<Code>: <message>` form.
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var httpStatus: Int

    public var description: String { message.isEmpty ? code : "\(code): \(message)" }

    /// Throttling and server-side faults: the service is there but cannot serve now.
    public var isOutage: Bool {
        httpStatus >= 500 || httpStatus == 429 || code.contains("Throttl")
            || code == "TooManyRequestsException" || code == "RequestLimitExceeded"
            || code == "ServiceUnavailable" || code == "InternalServiceError"
    }
}

/// A client for AWS's JSON 1.1 protocol: `POST /` with an
/// `X-Amz-Target: <prefix>.<Action>` header, SigV4-signed. Secrets Manager
/// (`secretsmanager`) and KMS (`TrentService`) both speak it.
///
/// Each request asks `credentials` for the credentials to sign with, so temporary credentials
/// renewed in between are picked up without rebuilding the client.
public struct AWSJSONClient: Sendable {
    public let endpoint: AWSEndpoint
    public let credentials: any AWSCredentialsProvider
    public let region: String
    /// The SigV4 service name, e.g. `secretsmanager` or `kms`.
    public let service: String
    public let targetPrefix: String
    public let timeout: TimeAmount
    let httpClient: HTTPClient

    /// Largest response body accepted; AWS responses of these APIs are small.
    static let maxResponseBytes = 4 << 20

    public init(
        endpoint: AWSEndpoint,
        credentials: any AWSCredentialsProvider,
        region: String,
        service: String,
        targetPrefix: String,
        timeout: TimeAmount = .seconds(10),
        httpClient: HTTPClient = .shared
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.region = region
        self.service = service
        self.targetPrefix = targetPrefix
        self.timeout = timeout
        self.httpClient = httpClient
    }

    /// Calls `action` with `input` as the JSON body and decodes the answer.
    public func call<Input: Encodable, Output: Decodable>(
        _ action: String,
        _ input: Input,
        returning: Output.Type = Output.self
    ) async throws -> Output {
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder.kes.encode(input))
        } catch {
            throw AWSCallError.malformedResponse("cannot encode \(action) request")
        }
        var attempt = 1
        while true {
            let (status, responseBody, errorType) = try await send(action: action, body: body)
            if (200..<300).contains(status) {
                do {
                    return try JSONDecoder().decode(Output.self, from: Data(responseBody))
                } catch {
                    throw AWSCallError.malformedResponse("invalid \(action) response")
                }
            }
            let error = Self.parseError(status: status, body: responseBody, errorTypeHeader: errorType)
            guard error.isOutage, attempt < Self.attempts else { throw AWSCallError.service(error) }
            attempt += 1
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...150) * attempt))
        }
    }

    /// Attempts per call when AWS answers with a server fault or throttling, as the AWS SDKs'
    /// standard retry mode makes (and so KES, which uses them). Network failures are not retried
    /// here: they must surface at once as "unreachable", and the server's cache covers them.
    static let attempts = 3

    /// The signed `POST /` for `action`; `send` puts exactly these headers on the wire.
    func signedRequest(action: String, body: [UInt8], credentials: AWSCredentials, date: Date = Date()) -> SigV4Request {
        var signed = SigV4Request(
            method: "POST",
            path: "/",
            headers: [
                .init("Host", endpoint.hostHeader),
                .init("Content-Type", "application/x-amz-json-1.1"),
                .init("X-Amz-Target", "\(targetPrefix).\(action)"),
            ],
            body: body
        )
        SigV4Signer(credentials: credentials, region: region, service: service).sign(&signed, date: date)
        return signed
    }

    private func send(action: String, body: [UInt8]) async throws -> (Int, [UInt8], String?) {
        let current: AWSCredentials
        do {
            current = try await credentials.credentials()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw AWSCallError.credentials("\(error)")
        }
        let signed = signedRequest(action: action, body: body, credentials: current)

        var request = HTTPClientRequest(url: endpoint.baseURL + "/")
        request.method = .POST
        for header in signed.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let bytes = try await BackendHTTPClient.collect(response, upTo: Self.maxResponseBytes)
            return (Int(response.status.code), bytes, response.headers.first(name: "x-amzn-ErrorType"))
        } catch let error as CancellationError {
            throw error
        } catch {
            throw AWSCallError.transport(BackendHTTPClient.describe(error))
        }
    }

    /// Reads `__type` (possibly `namespace#Code`) and `message`/`Message` from the
    /// body, falling back to the `x-amzn-ErrorType` header and the HTTP status.
    static func parseError(status: Int, body: [UInt8], errorTypeHeader: String?) -> AWSServiceError {
        var code = ""
        var message = ""
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            code = (object["__type"] as? String) ?? (object["code"] as? String) ?? ""
            message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
        }
        if code.isEmpty, let header = errorTypeHeader {
            code = header
        }
        if let hash = code.lastIndex(of: "#") {
            code = String(code[code.index(after: hash)...])
        }
        if let colon = code.firstIndex(of: ":") {
            code = String(code[..<colon])
        }
        if code.isEmpty {
            code = "HTTP \(status)"
        }
        return AWSServiceError(code: code, message: message, httpStatus: status)
    }
}
