import Foundation
import Testing

@testable import KESCore

/// Flips every bit of every byte of a ciphertext, for both algorithms and all three formats
/// (docs/formats.md, "Ciphertexts"), and predicts each outcome: a flip decrypts only when it
/// provably leaves the decoded ciphertext unchanged, and then to the same plaintext; every other
/// flip is a `DecryptionError`. The unchanged cases are few and named in `preservesValue`:
///
/// - Format B: the key ID string is informational, so its content may be anything.
/// - Format A: the same for the `id` member's value; its name too, because a renamed member is
///   an unknown one, which Go's decoder (and ours) ignores. The other member names match
///   case-insensitively, so their ASCII case bit is free. The last base64 symbol before padding
///   carries bits that decode to nothing (Go's standard decoder does not insist they are zero).
/// - Format C has no slack: every flip fails.
///
/// A single flip never inserts JSON whitespace between tokens (the encoder writes none to flip),
/// so whitespace and the other rewrites that keep the value are shown separately, in
/// `rewritesThatKeepTheValueDecrypt`, with the near misses that do not (leading whitespace).
@Suite struct CiphertextTamperingTests {
    enum Format: String, CaseIterable, Sendable {
        case json
        case messagePack
        case raw
    }

    struct Sample {
        let key: SecretKey
        let plaintext: [UInt8]
        let context: [UInt8]
        let bytes: [UInt8]
    }

    static let iv = (0..<16).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    static let nonce = (0..<12).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 5) }
    static let context = Array(#"{"bucket":"b"}"#.utf8)

    static func sample(_ algorithm: KeyAlgorithm, _ format: Format, plaintextLength: Int) -> Sample {
        let key = SecretKey.random(algorithm)
        let plaintext = (0..<plaintextLength).map { UInt8(truncatingIfNeeded: $0 &+ 0x41) }
        let sealed = key.seal(plaintext, context: context, iv: iv, nonce: nonce)
        let bytes: [UInt8] =
            switch format {
            case .json: LegacyJSONCiphertext.encode(algorithm: algorithm, keyID: key.id, iv: iv, nonce: nonce, sealed: sealed)
            case .messagePack: MessagePackCiphertext.encode(algorithm: algorithm, keyID: key.id, iv: iv, nonce: nonce, sealed: sealed)
            case .raw: Ciphertext(algorithm: nil, iv: iv, nonce: nonce, sealed: sealed).rawEncoded()
            }
        return Sample(key: key, plaintext: plaintext, context: context, bytes: bytes)
    }

    /// 9 and 10 bytes of plaintext seal to 25 and 26 bytes, whose base64 ends in `==` and `=`:
    /// both kinds of padding in format A.
    static let plaintextLengths = [9, 10]

    @Test(arguments: [KeyAlgorithm.aes256, .chacha20], Format.allCases)
    func everyBitFlipFailsUnlessItProvablyKeepsTheValue(algorithm: KeyAlgorithm, format: Format) throws {
        var failures: [String] = []
        var decrypted = 0
        var refused = 0
        for length in Self.plaintextLengths {
            let sample = Self.sample(algorithm, format, plaintextLength: length)
            let original = try #require(Ciphertext.parse(sample.bytes))
            #expect(try sample.key.decrypt(sample.bytes, context: sample.context) == sample.plaintext)
            let keep = try Self.preservesValue(format: format, sample: sample)
            for position in sample.bytes.indices {
                for bit in 0..<8 {
                    let mask = UInt8(1) << bit
                    var tampered = sample.bytes
                    tampered[position] ^= mask
                    let flip = "byte \(position) (\(Self.describe(sample.bytes[position]))) ^ 0x\(String(mask, radix: 16))"
                    let label = "\(format) \(algorithm) plaintext \(length): \(flip)"
                    let expectKept = keep(position, mask)
                    do {
                        let plaintext = try sample.key.decrypt(tampered, context: sample.context)
                        decrypted += 1
                        if !expectKept {
                            failures.append("\(label): decrypted, expected DecryptionError")
                        } else if plaintext != sample.plaintext {
                            failures.append("\(label): decrypted to another plaintext")
                        } else if Ciphertext.parse(tampered) != original {
                            failures.append("\(label): decrypted although the decoded ciphertext changed")
                        }
                    } catch {
                        refused += 1
                        if expectKept { failures.append("\(label): \(error), expected the unchanged value to decrypt") }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) unexpected outcomes:\n\(failures.prefix(40).joined(separator: "\n"))")
        // Every format refuses most flips; only A and B have bytes that do not count.
        #expect(refused > 0)
        if format == .raw { #expect(decrypted == 0) } else { #expect(decrypted > 0) }
    }

    /// Whether flipping `mask` in the byte at a position leaves the decoded ciphertext unchanged.
    /// Positions come from the encoded layout, located by the encoder's own output.
    static func preservesValue(format: Format, sample: Sample) throws -> (Int, UInt8) -> Bool {
        let bytes = sample.bytes
        switch format {
        case .raw:
            return { _, _ in false }
        case .messagePack:
            // 95, fixstr name, d9 20 + 32 ID bytes, …
            let nameLength = Int(bytes[1] & 0x1F)
            let idMarker = 2 + nameLength
            try #require(bytes[idMarker] == 0xD9 && Int(bytes[idMarker + 1]) == sample.key.id.utf8.count)
            let idContent = (idMarker + 2)..<(idMarker + 2 + sample.key.id.utf8.count)
            try #require(Array(bytes[idContent]) == Array(sample.key.id.utf8))
            return { position, _ in idContent.contains(position) }
        case .json:
            let idMember = try #require(range(of: #""id":""#, in: bytes))
            let idName = (idMember.lowerBound + 1)..<(idMember.lowerBound + 3)
            let idValue = try #require(range(of: sample.key.id, in: bytes))
            var otherNames: [Range<Int>] = []
            for name in ["aead", "iv", "nonce", "bytes"] {
                let quoted = try #require(range(of: "\"\(name)\":", in: bytes))
                otherNames.append((quoted.lowerBound + 1)..<(quoted.lowerBound + 1 + name.utf8.count))
            }
            // The last base64 symbol of a padded value, and how many of its low bits decode to nothing.
            var slack: [Int: Int] = [:]
            for name in ["iv", "bytes"] {
                let opening = try #require(range(of: "\"\(name)\":\"", in: bytes)).upperBound
                let closing = try #require(bytes[opening...].firstIndex(of: UInt8(ascii: "\"")))
                let padding = bytes[opening..<closing].reversed().prefix { $0 == UInt8(ascii: "=") }.count
                if padding > 0 { slack[closing - padding - 1] = padding == 2 ? 4 : 2 }
            }
            try #require(slack.count == 2, "both padded values")
            return { position, mask in
                let flipped = bytes[position] ^ mask
                if idName.contains(position) || idValue.contains(position) {
                    // Still a string character: not a quote, a backslash or a control byte.
                    // A byte of 0x80 or more is invalid UTF-8, which becomes U+FFFD, as in Go.
                    return flipped >= 0x20 && flipped != UInt8(ascii: "\"") && flipped != UInt8(ascii: "\\")
                }
                if otherNames.contains(where: { $0.contains(position) }) {
                    return mask == 0x20 && isASCIILetter(bytes[position])
                }
                if let bits = slack[position], let old = base64Value(bytes[position]), let new = base64Value(flipped) {
                    return old >> bits == new >> bits
                }
                return false
            }
        }
    }

    /// Rewrites of a format A ciphertext that a single flip cannot make but that keep its value:
    /// each one must decode to the same ciphertext and decrypt. Rewrites that change the value
    /// must not.
    @Test(arguments: [KeyAlgorithm.aes256, .chacha20])
    func rewritesThatKeepTheValueDecrypt(algorithm: KeyAlgorithm) throws {
        let sample = Self.sample(algorithm, .json, plaintextLength: 9)
        let original = try #require(Ciphertext.parse(sample.bytes))
        let text = String(decoding: sample.bytes, as: UTF8.self)
        let ivText = Base64.encode(Self.iv)
        let nonceText = Base64.encode(Self.nonce)
        let sealedText = Base64.encode(original.sealed)
        let aead = algorithm.legacyAEADName
        let aeadMember = #""aead":"\#(aead)""#
        let ivMember = #""iv":"\#(ivText)""#
        let nonceMember = #""nonce":"\#(nonceText)""#
        let bytesMember = #""bytes":"\#(sealedText)""#
        let otherIV = #""iv":"AAAAAAAAAAAAAAAAAAAAAA==""#
        let brokenLines = sealedText.prefix(8) + #"\r\n"# + sealedText.dropFirst(8)
        func object(_ members: String...) -> String { "{" + members.joined(separator: ",") + "}" }
        let kept: [(String, String)] = [
            ("whitespace between every token", text.replacingOccurrences(of: ":", with: " :\n\t").replacingOccurrences(of: ",", with: "\r\n, ")),
            ("trailing whitespace", text + " \r\n\t"),
            ("members reordered", object(bytesMember, nonceMember, ivMember, aeadMember)),
            ("no id member", object(aeadMember, ivMember, nonceMember, bytesMember)),
            ("null id", object(aeadMember, #""id":null"#, ivMember, nonceMember, bytesMember)),
            ("unknown member", object(aeadMember, #""x":[1,{"y":2}]"#, ivMember, nonceMember, bytesMember)),
            ("upper-case names", object(#""AEAD":"\#(aead)""#, #""IV":"\#(ivText)""#, #""Nonce":"\#(nonceText)""#, #""BYTES":"\#(sealedText)""#)),
            ("escaped characters", text.replacingOccurrences(of: "\"iv\"", with: #""\u0069v""#).replacingOccurrences(of: "/", with: #"\/"#)),
            // Go's base64 decoder skips CR and LF, and a JSON escape can put them in a string.
            ("escaped newlines in base64", text.replacingOccurrences(of: sealedText, with: brokenLines)),
            ("a repeated member, the last one right", object(aeadMember, otherIV, ivMember, nonceMember, bytesMember)),
        ]
        for (label, rewritten) in kept {
            let bytes = Array(rewritten.utf8)
            #expect(Ciphertext.parse(bytes) == original, "\(label)")
            #expect(try sample.key.decrypt(bytes, context: sample.context) == sample.plaintext, "\(label)")
        }
        let changed: [(String, String)] = [
            ("a repeated member, the last one wrong", object(aeadMember, ivMember, otherIV, nonceMember, bytesMember)),
            // The format is told by the first byte (docs/formats.md, "Detecting the format"), so
            // leading whitespace makes the text a format C ciphertext, whatever JSON allows.
            ("leading whitespace", " " + text),
            ("algorithm name in another case", text.replacingOccurrences(of: aead, with: aead.lowercased())),
            ("unpadded base64", text.replacingOccurrences(of: ivText, with: ivText.replacingOccurrences(of: "=", with: ""))),
            ("a non-string id", text.replacingOccurrences(of: "\"\(sample.key.id)\"", with: "1")),
            ("a trailing comma", text.replacingOccurrences(of: "\"}", with: "\",}")),
        ]
        for (label, rewritten) in changed {
            #expect(throws: DecryptionError(), "\(label)") { try sample.key.decrypt(Array(rewritten.utf8), context: sample.context) }
        }
    }

    // MARK: - Helpers

    static func range(of needle: String, in bytes: [UInt8]) -> Range<Int>? {
        let needle = Array(needle.utf8)
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }

    static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    /// The 6-bit value of a standard base64 symbol.
    static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16))"
    }
}
