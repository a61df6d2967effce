import Foundation

extension Timestamp: CustomStringConvertible {
    /// The RFC 3339 form, so timestamps read naturally in logs and test failures.
    public var description: String { rfc3339 }
}

extension Timestamp: Codable {
    /// Decodes an RFC 3339 string, as Go's `time.Time` appears in KES JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time")
        }
        self = parsed
    }

    /// Encodes as the RFC 3339 string Go writes for `time.Time`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}

extension Timestamp {
    /// Converts from Foundation's `Date` (microsecond-level precision at best).
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        self.init(seconds: Int64(seconds), nanoseconds: Int32(((interval - seconds) * 1e9).rounded()))
    }

    /// The same instant as a Foundation `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanoseconds) / 1e9)
    }
}
