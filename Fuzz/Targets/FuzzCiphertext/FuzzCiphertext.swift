import FuzzSupport

@testable import KESCore

// Untrusted ciphertext bytes as the decrypt API receives them: all three formats, their
// encoders, and decryption under fixed keys.
//
// The seed corpus holds real KES ciphertexts of 16 zero bytes under the all-zero key with an
// empty context, and nothing else encrypted under that key. A successful decrypt of any other
// plaintext would therefore be a forgery.

private let zeroKeys: [SecretKey] = [
    try! SecretKey(bytes: [UInt8](repeating: 0, count: 32), algorithm: .aes256),
    try! SecretKey(bytes: [UInt8](repeating: 0, count: 32), algorithm: .chacha20),
]

private let expectedPlaintext = [UInt8](repeating: 0, count: 16)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCiphertext(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

private func check(_ bytes: [UInt8]) {
    let messagePack = MessagePackCiphertext.decode(bytes)
    if let parsed = messagePack {
        require(parsed.algorithm != nil, "format B without an algorithm")
        require(parsed.iv.count == Ciphertext.ivSize && parsed.nonce.count == Ciphertext.nonceSize, "format B sizes")
        // The key ID is informational, so any ID must give back the same parts.
        let reencoded = MessagePackCiphertext.encode(
            algorithm: parsed.algorithm!, keyID: "fuzz", iv: parsed.iv, nonce: parsed.nonce, sealed: parsed.sealed)
        require(MessagePackCiphertext.decode(reencoded) == parsed, "format B round trip")
    }

    let legacy = LegacyJSONCiphertext.decode(bytes)
    if let parsed = legacy {
        require(parsed.algorithm != nil, "format A without an algorithm")
        require(parsed.iv.count == Ciphertext.ivSize && parsed.nonce.count == Ciphertext.nonceSize, "format A sizes")
        let reencoded = LegacyJSONCiphertext.encode(
            algorithm: parsed.algorithm!, keyID: "fuzz\"<\u{2028}", iv: parsed.iv, nonce: parsed.nonce, sealed: parsed.sealed)
        require(LegacyJSONCiphertext.decode(reencoded) == parsed, "format A round trip")
    }

    let raw = Ciphertext.parseRaw(bytes)
    if let raw {
        require(raw.rawEncoded() == bytes, "format C round trip")
    }

    // Detection must pick B, then A, then C, exactly as documented.
    let parsed = Ciphertext.parse(bytes)
    if bytes.first == 0x95, let messagePack {
        require(parsed == messagePack, "detection skipped a valid format B")
    } else if bytes.first == UInt8(ascii: "{"), let legacy {
        require(parsed == legacy, "detection skipped a valid format A")
    } else {
        require(parsed == raw, "detection did not fall back to format C")
    }

    for key in zeroKeys {
        guard let plaintext = try? key.decrypt(bytes, context: []) else { continue }
        require(plaintext == expectedPlaintext, "decrypt produced a plaintext no seed encrypts")
        require((try? key.decrypt(bytes, context: [0])) == nil, "context is not bound")
        // The same parts in every other format must open to the same plaintext.
        let parts = parsed!
        let algorithm = parts.algorithm ?? key.algorithm
        let asB = MessagePackCiphertext.encode(
            algorithm: algorithm, keyID: key.id, iv: parts.iv, nonce: parts.nonce, sealed: parts.sealed)
        let asA = LegacyJSONCiphertext.encode(
            algorithm: algorithm, keyID: key.id, iv: parts.iv, nonce: parts.nonce, sealed: parts.sealed)
        require((try? key.decrypt(asB, context: [])) == plaintext, "format B re-encoding does not open")
        require((try? key.decrypt(asA, context: [])) == plaintext, "format A re-encoding does not open")
        let keyForC = zeroKeys.first { $0.algorithm == algorithm }!
        let asC = Ciphertext(algorithm: nil, iv: parts.iv, nonce: parts.nonce, sealed: parts.sealed).rawEncoded()
        // A format C ciphertext that happens to start like A or B is detected as that format.
        if let detected = Ciphertext.parse(asC), detected.algorithm == nil {
            require((try? keyForC.decrypt(asC, context: [])) == plaintext, "format C re-encoding does not open")
        }
    }
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzCiphertext)
    }
}
