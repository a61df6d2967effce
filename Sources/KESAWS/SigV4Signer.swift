import Crypto
import Foundation
import KESCore

/// The parts of an HTTP request that AWS Signature Version 4 covers.
///
/// `path` is the *decoded* path (e.g. `/ሴ` or `/example space/`); the signer
/// normalizes and percent-encodes it once, as AWS does for every service but S3.
public struct SigV4Request: Sendable, Equatable {
    public var method: String
    public var path: String
    /// Decoded query parameters in request order; duplicates are allowed.
    public var query: [QueryItem]
    /// Header names in any case; repeated names are joined with commas when signed.
    public var headers: [Header]
    public var body: [UInt8]

    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, path: String = "/", query: [QueryItem] = [], headers: [Header] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// Every intermediate product of one signature, so tests can compare each
/// against AWS's published test suite.
public struct SigV4Signature: Sendable, Equatable {
    public var canonicalRequest: String
    public var signedHeaders: String
    public var stringToSign: String
    /// Lowercase hex.
    public var signature: String
    /// The complete `Authorization` header value.
    public var authorization: String
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), header-based, written from the
/// public specification so that every AWS client in this package can share it.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (when the credentials carry a
    /// session token), optionally `x-amz-content-sha256`, and `Authorization`.
    ///
    /// The token is added *before* signing so it is covered by the signature,
    /// which every AWS service accepts.
    @discardableResult
    public func sign(_ request: inout SigV4Request, date: Date = Date(), includeContentSHA256: Bool = false) -> SigV4Signature {
        let stamp = SigV4Date(date)
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        if request.header("x-amz-date") == nil {
            request.headers.append(.init("X-Amz-Date", stamp.dateTime))
        }
        if !credentials.sessionToken.isEmpty, request.header("x-amz-security-token") == nil {
            request.headers.append(.init("X-Amz-Security-Token", credentials.sessionToken))
        }
        if includeContentSHA256, request.header("x-amz-content-sha256") == nil {
            request.headers.append(.init("x-amz-content-sha256", Self.hexSHA256(request.body)))
        }
        let result = signature(for: request, date: date)
        request.headers.append(.init("Authorization", result.authorization))
        return result
    }

    /// Computes the signature of `request` exactly as given: no headers are added.
    public func signature(for request: SigV4Request, date: Date) -> SigV4Signature {
        let stamp = SigV4Date(date)
        let (canonical, signedHeaders) = Self.canonicalRequest(request)
        let scope = "\(stamp.day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            stamp.dateTime,
            scope,
            Self.hexSHA256(Array(canonical.utf8)),
        ].joined(separator: "\n")
        let key = signingKey(day: stamp.day)
        let signature = Self.hex(Self.hmac(key: key, Array(stringToSign.utf8)))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return SigV4Signature(
            canonicalRequest: canonical,
            signedHeaders: signedHeaders,
            stringToSign: stringToSign,
            signature: signature,
            authorization: authorization
        )
    }

    /// HMAC chain over date, region, service and the `aws4_request` terminator.
    public func signingKey(day: String) -> [UInt8] {
        var key = Self.hmac(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] {
            key = Self.hmac(key: key, Array(part.utf8))
        }
        return key
    }

    // MARK: - Canonical request

    /// Returns the canonical request and the `SignedHeaders` list. Every header
    /// of the request is signed.
    public static func canonicalRequest(_ request: SigV4Request) -> (String, String) {
        let headers = canonicalHeaders(request.headers)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        let lines = [
            request.method.uppercased(),
            canonicalURI(request.path),
            canonicalQuery(request.query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            hexSHA256(request.body),
        ]
        return (lines.joined(separator: "\n"), signedHeaders)
    }

    /// Removes `.`/`..` segments and empty segments, keeps a trailing slash, and
    /// percent-encodes each segment.
    static func canonicalURI(_ path: String) -> String {
        var segments: [Substring] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for part in parts {
            switch part {
            case "", ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(part)
            }
        }
        var uri = "/" + segments.map { percentEncode(String($0)) }.joined(separator: "/")
        let last = parts.last ?? ""
        let endsAsDirectory = last.isEmpty || last == "." || last == ".."
        if endsAsDirectory, !segments.isEmpty {
            uri += "/"
        }
        return uri
    }

    static func canonicalQuery(_ items: [SigV4Request.QueryItem]) -> String {
        let encoded: [(name: String, value: String)] = items.map { item in
            (percentEncode(item.name), percentEncode(item.value))
        }
        // Encoded text is ASCII, so String ordering equals byte ordering here.
        let sorted = encoded.sorted { lhs, rhs in
            lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name
        }
        let pairs: [String] = sorted.map { pair in pair.name + "=" + pair.value }
        return pairs.joined(separator: "&")
    }

    /// Lowercased names sorted by byte order; values of repeated names joined by
    /// commas in request order; folded lines joined by commas; runs of spaces
    /// collapsed and the ends trimmed.
    static func canonicalHeaders(_ headers: [SigV4Request.Header]) -> [(name: String, value: String)] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased().trimmingCharacters(in: .whitespaces)
            let value = header.value
                .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .map { collapseSpaces(String($0)) }
                .filter { !$0.isEmpty }
                .joined(separator: ",")
            if values[name] == nil {
                order.append(name)
                values[name] = []
            }
            values[name]!.append(value)
        }
        return order
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { ($0, values[$0]!.joined(separator: ",")) }
    }

    private static func collapseSpaces(_ value: String) -> String {
        value
            .split(whereSeparator: { $0 == " " || $0 == "\t" })
            .joined(separator: " ")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters,
    /// over the UTF-8 bytes.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + Hex.encode(CollectionOfOne(byte), uppercase: true)
            }
        }
        return out
    }

    // MARK: - Primitives

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    public static func hexSHA256(_ bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        Hex.encode(bytes)
    }
}

/// The two timestamp forms SigV4 uses, always in UTC.
struct SigV4Date: Sendable {
    /// `yyyyMMdd'T'HHmmss'Z'`
    var dateTime: String
    /// `yyyyMMdd`
    var day: String

    init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        day = pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2)
        dateTime = day + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    }
}
