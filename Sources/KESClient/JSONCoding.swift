import Foundation
import KESCore

extension JSONDecoder {
    /// Reads KES JSON: RFC 3339 times with nanoseconds.
    static var kes: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let time = Timestamp(rfc3339: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return time.date
        }
        return decoder
    }
}

extension JSONEncoder {
    /// Writes the SDK's models in KES's own JSON shape, sorted, times as RFC 3339.
    public static var kes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp(date).rfc3339)
        }
        return encoder
    }
}

/// Byte fields travel as standard padded base64.
struct Base64Bytes: Codable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            bytes = []
            return
        }
        let text = try container.decode(String.self)
        guard let bytes = Base64.decode(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid base64")
        }
        self.bytes = bytes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Base64.encode(bytes))
    }
}
