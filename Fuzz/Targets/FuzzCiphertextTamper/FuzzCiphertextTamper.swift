import FuzzSupport

@testable import KESCore

// Encrypts a fuzzer-chosen plaintext, lets the fuzzer edit the ciphertext, and decrypts the
// result: whatever the edits, decryption either fails or yields the original plaintext, and it
// only succeeds when the edits left every authenticated part (algorithm, iv, nonce, sealed bytes)
// unchanged.
//
// Input: [flags] [iv 16] [nonce 12] [context length] [context] [edit count] [edits, 4 bytes each]
// [plaintext]. Short inputs take zeros for the missing fields.

private let masterBytes: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }
private let keys: [KeyAlgorithm: SecretKey] = [
    .aes256: try! SecretKey(bytes: masterBytes, algorithm: .aes256),
    .chacha20: try! SecretKey(bytes: masterBytes, algorithm: .chacha20),
]

private struct Input {
    var bytes: ArraySlice<UInt8>

    mutating func take(_ count: Int) -> [UInt8] {
        let taken = Array(bytes.prefix(count))
        bytes = bytes.dropFirst(taken.count)
        return taken + [UInt8](repeating: 0, count: count - taken.count)
    }

    mutating func byte() -> UInt8 { take(1)[0] }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCiphertextTamper(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = Input(bytes: Array(UnsafeBufferPointer(start: data, count: size))[...])
    let flags = input.byte()
    let iv = input.take(Ciphertext.ivSize)
    let nonce = input.take(Ciphertext.nonceSize)
    let context = input.take(Int(input.byte() % 32))
    let edits = (0..<Int(input.byte() % 8)).map { _ in input.take(4) }
    let plaintext = Array(input.bytes)

    let key = keys[flags & 1 == 0 ? .aes256 : .chacha20]!
    let formatB = key.encrypt(plaintext, context: context, iv: iv, nonce: nonce)
    let original = Ciphertext.parse(formatB)!
    let ciphertext: [UInt8]
    switch (flags >> 1) % 3 {
    case 0: ciphertext = formatB
    case 1:
        ciphertext = LegacyJSONCiphertext.encode(
            algorithm: key.algorithm, keyID: key.id, iv: iv, nonce: nonce, sealed: original.sealed)
    default: ciphertext = original.rawEncoded()
    }
    require((try? key.decrypt(ciphertext, context: context)) == plaintext, "an untouched ciphertext does not open")

    var tampered = ciphertext
    for edit in edits {
        let position = (Int(edit[1]) << 8 | Int(edit[2])) % (tampered.count + 1)
        switch edit[0] % 4 {
        case 0 where position < tampered.count: tampered[position] ^= edit[3] | 1
        case 1: tampered.insert(edit[3], at: position)
        case 2 where position < tampered.count: tampered.remove(at: position)
        case 3 where position < tampered.count: tampered[position] = edit[3]
        default: break
        }
    }

    for candidate in keys.values {
        guard let opened = try? candidate.decrypt(tampered, context: context) else { continue }
        require(opened == plaintext, "a tampered ciphertext opened to a different plaintext")
        let parts = Ciphertext.parse(tampered)!
        require(
            (parts.algorithm ?? candidate.algorithm) == key.algorithm && parts.iv == iv && parts.nonce == nonce
                && parts.sealed == original.sealed,
            "a ciphertext with changed authenticated parts opened")
    }
    if tampered != ciphertext {
        require((try? key.decrypt(tampered, context: context + [1])) == nil, "a different context opened")
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzCiphertextTamper)
    }
}
