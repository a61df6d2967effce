import FuzzSupport

@testable import KESCore

// Untrusted stored-key bytes as a key store returns them: the 2023 JSON format, the current
// base64(protobuf) format, and the raw protobuf message. Every key that parses must survive a
// re-encoding in the format it came from (and, for JSON keys, in the current format too), and
// must be printable, since describe and list render its creation time.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStoredKey(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    if let key = try? StoredKey(parsing: bytes) {
        checkCurrentFormatRoundTrip(key)
        let trimmedFirst = bytes.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        if trimmedFirst == UInt8(ascii: "{") {
            require(key.hmacKey == nil, "a JSON key has an HMAC key")
            let json = key.encodedJSON()
            // The 2023 JSON form leaves out `AES256`, so whether the algorithm was named may change.
            require((try? StoredKey(parsing: json)).map { sameKey($0, key) } ?? false, "JSON round trip")
            require((try? StoredKey.parseJSON(json)) == (try? StoredKey(parsing: json)), "parseJSON disagrees with StoredKey(parsing:)")
        }
    }

    if let key = try? StoredKey.parseProtobuf(bytes) {
        checkCurrentFormatRoundTrip(key)
        require((try? StoredKey.parseProtobuf(key.protobufEncoded())) == key, "protobuf round trip")
    }
    return 0
}

private func checkCurrentFormatRoundTrip(_ key: StoredKey) {
    require(key.secret.bytes.count == SecretKey.size, "secret key size")
    require(key.hmacKey.map { $0.bytes.count == HMACKey.size } ?? true, "HMAC key size")
    require((0..<1_000_000_000).contains(key.createdAt.nanoseconds), "nanoseconds out of range")
    let encoded = key.encoded()
    // The current format always names the algorithm, so a legacy JSON key without one comes back
    // tied to the algorithm it sealed with; everything else must be identical.
    let reparsed = try? StoredKey(parsing: encoded)
    require(reparsed.map { sameKey($0, key) } ?? false, "current format round trip")
    _ = key.description
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzStoredKey)
    }
}

private func sameKey(_ a: StoredKey, _ b: StoredKey) -> Bool {
    a.secret.bytes == b.secret.bytes && a.secret.algorithm == b.secret.algorithm && a.hmacKey == b.hmacKey
        && a.createdAt == b.createdAt && a.createdBy == b.createdBy
}
