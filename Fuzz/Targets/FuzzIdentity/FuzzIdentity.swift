import FuzzSupport
import X509

@testable import KESCore

// Untrusted identity material: API keys (`kes:v1:…`, from the CLI, the SDK and the
// environment), client certificates in DER (after the TLS handshake, the server hashes their
// SubjectPublicKeyInfo), hex and IP address text. The input is tried as each.

private func isIdentityText(_ identity: Identity) -> Bool {
    identity.rawValue.utf8.count == 64
        && identity.rawValue.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIdentity(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    if let key = try? APIKey(text) {
        require(isIdentityText(key.identity), "API key identity is not 64 lowercase hex digits")
        // The canonical text of the same seed names the same identity.
        let canonical = "kes:v1:" + Base64.encode([0] + Array(key.privateKey.rawRepresentation))
        let again = try? APIKey(canonical)
        require(again?.identity == key.identity, "canonical API key text gives another identity")
        require(!key.description.contains(text) || text.isEmpty, "an API key's description reveals it")
    }

    var walked: Identity?
    do {
        let spki = try Identity.subjectPublicKeyInfo(inCertificateDER: bytes)
        let identity = try Identity(certificateDER: bytes)
        require(isIdentityText(identity), "certificate identity is not 64 lowercase hex digits")
        require(identity == Identity(subjectPublicKeyInfoDER: Array(spki)), "identity is not the SPKI hash")
        walked = identity
    } catch {}
    // The walker is more lenient than a full X.509 parser, never stricter: whatever
    // swift-certificates accepts has an identity.
    if (try? Certificate(derEncoded: bytes)) != nil {
        require(walked != nil, "a certificate swift-certificates parses has no identity")
    }

    if let decoded = Hex.decode(text) {
        require(Hex.encode(decoded) == text.lowercased(), "hex round trip")
    }

    if let address = IPAddressText.parse(text) {
        require(address.count == 4 || address.count == 16, "an IP address of \(address.count) bytes")
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzIdentity)
    }
}
