@testable import KESCore

/// Decoders for test data that crash on typos, so that a bad fixture fails loudly.
enum KeysFixtures {
    static func hex(_ text: String) -> [UInt8] {
        guard let bytes = Hex.decode(text) else { fatalError("bad hex fixture: \(text)") }
        return bytes
    }

    static func base64(_ text: String) -> [UInt8] {
        guard let bytes = Base64.decode(text) else { fatalError("bad base64 fixture: \(text)") }
        return bytes
    }

    static func utf8(_ text: String) -> [UInt8] {
        Array(text.utf8)
    }

    static let zeroKey = [UInt8](repeating: 0, count: 32)
}
