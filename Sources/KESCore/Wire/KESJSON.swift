import Foundation

// The one way swift-kes writes and reads JSON off the hot path: backend request bodies, SDK
// requests and models, CLI output, reports. The server's responses use its own byte writer
// (`JSONWriter`), since they are on every request; byte-exact formats (stored keys, legacy
// ciphertexts) write themselves with `JSONStringWriter`.

extension JSONDecoder {
    /// Reads KES JSON: RFC 3339 times with nanoseconds.
    public static var kes: JSONDecoder {
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
    /// KES's own JSON shape: sorted keys, unescaped slashes, times as RFC 3339.
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
