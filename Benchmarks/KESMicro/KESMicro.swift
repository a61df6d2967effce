import Benchmark
import Foundation
import KESCore

// Micro-benchmarks for the per-request pieces of swift-kes: sealing and opening in each
// ciphertext format, HChaCha20, policy matching, the JSON and base64 of the crypto bodies, and
// identity computation. Each reports time and allocations; the loop body is one request's worth
// of that piece, so the allocation count per iteration is what a request pays for it.
//
//   swift package benchmark --target KESMicro
//
// Inputs are built once, outside the measured loops. The known-answer vectors are the ones in
// docs/formats.md, "Test vectors", and each is checked to decrypt first, so that a broken build
// cannot silently benchmark a failing path.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    cryptoBenchmarks()
    policyBenchmarks()
    jsonBenchmarks()
    identityBenchmarks()
}

// MARK: - Seal and open

private func cryptoBenchmarks() {
    let aesKey = SecretKey.random(.aes256)
    let chachaKey = SecretKey.random(.chacha20)
    let dataKey = Fixtures.randomBytes(32)
    let context = Array(#"{"my-bucket":"my-bucket/my-object"}"#.utf8)
    let iv = Fixtures.randomBytes(16)
    let nonce = Fixtures.randomBytes(12)

    // Format B is the only one the server emits (docs/compatibility.md, "Ciphertexts"); the random
    // variant includes the CSPRNG reads.
    Benchmark("seal B AES256 (32-byte DEK, random iv/nonce)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(aesKey.encrypt(dataKey, context: context))
        }
    }
    Benchmark("seal B AES256 (fixed iv/nonce)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(aesKey.encrypt(dataKey, context: context, iv: iv, nonce: nonce))
        }
    }
    Benchmark("seal B ChaCha20 (32-byte DEK, random iv/nonce)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(chachaKey.encrypt(dataKey, context: context))
        }
    }

    // Opening: our own format B output, then the real-KES vectors for A, B and C.
    let ownB = aesKey.encrypt(dataKey, context: context)
    Fixtures.expectOpens(aesKey, ownB, context: context)
    Benchmark("open B AES256 (own, 124 B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try aesKey.decrypt(ownB, context: context))
        }
    }
    let ownChaChaB = chachaKey.encrypt(dataKey, context: context)
    Fixtures.expectOpens(chachaKey, ownChaChaB, context: context)
    Benchmark("open B ChaCha20 (own, 126 B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try chachaKey.decrypt(ownChaChaB, context: context))
        }
    }

    let zeroKey = try! SecretKey(bytes: [UInt8](repeating: 0, count: 32), algorithm: .aes256)
    let vectors: [(name: String, key: SecretKey, ciphertext: [UInt8], context: [UInt8])] = [
        ("open A AES256 (KAT 1)", zeroKey, Array(Fixtures.vectorA_AES.utf8), []),
        ("open A ChaCha20 (KAT 2)", zeroKey, Array(Fixtures.vectorA_ChaCha.utf8), []),
        ("open B AES256 (KAT 4)", zeroKey, Base64.decode(Fixtures.vectorB_AES)!, []),
        ("open B ChaCha20 (KAT 5)", zeroKey, Base64.decode(Fixtures.vectorB_ChaCha)!, []),
        ("open C AES256 (KAT C, with context)", Fixtures.vectorCKey(.aes256), Base64.decode(Fixtures.vectorC_AES)!,
         [UInt8](repeating: 0, count: 16)),
        ("open C ChaCha20 (KAT C, with context)", Fixtures.vectorCKey(.chacha20), Base64.decode(Fixtures.vectorC_ChaCha)!,
         [UInt8](repeating: 0, count: 16)),
    ]
    for vector in vectors {
        Fixtures.expectOpens(vector.key, vector.ciphertext, context: vector.context)
        Benchmark(vector.name) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try vector.key.decrypt(vector.ciphertext, context: vector.context))
            }
        }
    }

    let masterKey = Fixtures.randomBytes(32)
    Benchmark("HChaCha20 derive") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HChaCha20.derive(key: masterKey, input: iv))
        }
    }
}

// MARK: - Policy

private func policyBenchmarks() {
    // 50 rules in the shape MinIO deployments use: per-application prefixes on the key routes,
    // a few denies, and literal routes.
    var allow: [String] = []
    for app in 0..<15 {
        allow.append("/v1/key/generate/app-\(app)-*")
        allow.append("/v1/key/decrypt/app-\(app)-*")
    }
    for app in 0..<10 {
        allow.append("/v1/key/create/tenant-\(app)-*")
    }
    allow += ["/v1/status", "/v1/ready", "/v1/metrics", "/v1/api", "/v1/key/list/*", "/v1/policy/list/*"]
    let deny = ["/v1/key/delete/*", "/v1/key/import/*", "/v1/identity/*", "/v1/log/*"]
    let policy = Policy(name: "minio", allow: allow, deny: deny)
    precondition(allow.count + deny.count == 50)

    let lastAllowed: Substring = "/v1/policy/list/everything"
    let firstAllowed: Substring = "/v1/key/generate/app-0-bucket"
    let denied: Substring = "/v1/key/delete/app-3-bucket"
    let unmatched: Substring = "/v1/key/encrypt/other-app-key"
    precondition(policy.permits(lastAllowed) && policy.permits(firstAllowed))
    precondition(!policy.permits(denied) && !policy.permits(unmatched))

    for (name, path) in [("first allow", firstAllowed), ("last allow", lastAllowed), ("deny", denied), ("no match", unmatched)] {
        Benchmark("Policy.permits, 50 rules, \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(policy.permits(path))
            }
        }
    }
}

// MARK: - JSON and base64 of the crypto bodies

private func jsonBenchmarks() {
    let dataKey = Fixtures.randomBytes(32)
    let ciphertext = SecretKey.random(.aes256).encrypt(dataKey, context: [])
    let dataKeyText = Base64.encode(dataKey)
    let ciphertextText = Base64.encode(ciphertext)

    Benchmark("Base64.encode 32 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Base64.encode(dataKey)) }
    }
    Benchmark("Base64.encode 124 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Base64.encode(ciphertext)) }
    }
    Benchmark("Base64.decode 124 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Base64.decode(ciphertextText)) }
    }
    Benchmark("Foundation base64 decode 124 B (reference)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Data(base64Encoded: ciphertextText)) }
    }

    // The generate response {"plaintext":…,"ciphertext":…}: JSONSerialization against appending bytes,
    // which is what swift-kes's internal JSONWriter does.
    Benchmark("generate response, JSONSerialization") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONSerialization.data(withJSONObject: ["plaintext": dataKeyText, "ciphertext": ciphertextText]))
        }
    }
    Benchmark("generate response, JSONEncoder") { benchmark in
        let encoder = JSONEncoder()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode(GenerateResponse(plaintext: dataKeyText, ciphertext: ciphertextText)))
        }
    }
    Benchmark("generate response, hand-written bytes") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HandWrittenJSON.object("plaintext", dataKeyText, "ciphertext", ciphertextText))
        }
    }

    // The decrypt request {"ciphertext":…,"context":…}, decoded to bytes.
    let context = Array(#"{"my-bucket":"my-bucket/my-object"}"#.utf8)
    let decryptBody = HandWrittenJSON.object("ciphertext", ciphertextText, "context", Base64.encode(context))
    let decryptData = Data(decryptBody)
    let decryptBytes = decryptBody
    Benchmark("decrypt request, JSONObjectFields + Base64 (the server's parser)") { benchmark in
        for _ in benchmark.scaledIterations {
            let object = JSONObjectFields(parsing: decryptBytes)
            for field in ["ciphertext", "context"] {
                if case .string(let text)? = object?.value(for: field) { blackHole(Base64.decode(text)) }
            }
        }
    }
    Benchmark("decrypt request, JSONSerialization + Base64") { benchmark in
        for _ in benchmark.scaledIterations {
            let object = try JSONSerialization.jsonObject(with: decryptData) as? [String: Any]
            blackHole(Base64.decode((object?["ciphertext"] as? String) ?? ""))
            blackHole(Base64.decode((object?["context"] as? String) ?? ""))
        }
    }
    Benchmark("decrypt request, JSONDecoder + Base64") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations {
            let request = try decoder.decode(DecryptRequest.self, from: decryptData)
            blackHole(Base64.decode(request.ciphertext))
            blackHole(Base64.decode(request.context ?? ""))
        }
    }

    // Everything a generate request costs outside HTTP and TLS: parse the body, make a DEK, seal it,
    // encode the answer.
    let key = SecretKey.random(.aes256)
    let generateBody = Data(HandWrittenJSON.object("context", Base64.encode(context)))
    let generateBytes = Array(generateBody)
    Benchmark("generate, body to body (the server's path)") { benchmark in
        for _ in benchmark.scaledIterations {
            var requestContext: [UInt8] = []
            if case .string(let text)? = JSONObjectFields(parsing: generateBytes)?.value(for: "context") {
                requestContext = Base64.decode(text) ?? []
            }
            let dataKey = key.generateDataKey(context: requestContext)
            blackHole(HandWrittenJSON.object("plaintext", Base64.encode(dataKey.plaintext), "ciphertext", Base64.encode(dataKey.ciphertext)))
        }
    }
    Benchmark("generate, body to body (JSONSerialization in, bytes out)") { benchmark in
        for _ in benchmark.scaledIterations {
            let object = try JSONSerialization.jsonObject(with: generateBody) as? [String: Any]
            let requestContext = Base64.decode((object?["context"] as? String) ?? "") ?? []
            let newDataKey = Fixtures.randomBytes(32)
            let sealed = key.encrypt(newDataKey, context: requestContext)
            blackHole(HandWrittenJSON.object("plaintext", Base64.encode(newDataKey), "ciphertext", Base64.encode(sealed)))
        }
    }
}

private struct GenerateResponse: Encodable {
    let plaintext: String
    let ciphertext: String
}

private struct DecryptRequest: Decodable {
    let ciphertext: String
    let context: String?
}

/// A flat JSON object of string values whose content needs no escaping (base64 never does).
private enum HandWrittenJSON {
    static func object(_ pairs: String...) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.reduce(8) { $0 + $1.utf8.count + 4 })
        out.append(UInt8(ascii: "{"))
        for index in stride(from: 0, to: pairs.count, by: 2) {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: pairs[index].utf8)
            out.append(contentsOf: #"":""#.utf8)
            out.append(contentsOf: pairs[index + 1].utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

// MARK: - Identity

private func identityBenchmarks() {
    // An API key's certificate (Ed25519, what MinIO with KES_API_KEY presents) and a P-256 one.
    let apiKeyCertificate = try! CertificateMinter.clientCertificate(for: APIKey.random()).certificateDER
    let p256Certificate = try! CertificateMinter.selfSigned(
        keyType: .p256, commonName: "minio", dnsNames: ["minio"], ipAddresses: [], validity: .seconds(3600)
    ).certificateDER

    Benchmark("Identity(certificateDER:) Ed25519") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Identity(certificateDER: apiKeyCertificate))
        }
    }
    Benchmark("Identity(certificateDER:) P-256") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Identity(certificateDER: p256Certificate))
        }
    }
}

// MARK: - Fixtures

private enum Fixtures {
    // docs/formats.md, "Test vectors", KAT 1, 2, 4, 5: master key = 32 zero bytes, empty context,
    // plaintext = 16 zero bytes.
    static let vectorA_AES = #"{"aead":"AES-256-GCM-HMAC-SHA-256","iv":"xLxIN3tSCkg2xMafuvwUwg==","nonce":"gu0mGwUkwcvMEoi5","bytes":"WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc="}"#
    static let vectorA_ChaCha = #"{"aead":"ChaCha20Poly1305","iv":"s3fSZ6vk5m+DfQA8yZWeUg==","nonce":"8/kHMnCMs3h9NZ2a","bytes":"cw22HjLq/4cx8507SW4hhSrYbDiMuRao4b5+GE+XfbE="}"#
    static let vectorB_AES = "lbFBRVMyNTYtR0NNX1NIQTI1NtkgNjY2ODdhYWRmODYyYmQ3NzZjOGZjMThiOGU5ZjhlMjDEEExv7LAd4oz0SaHZrX5LBufEDEKME1ow1CDfUFrqv8QgJuy7Sw+jVqz99TK1HV851LT3K4mwwDv46TB2ngWkAJQ="
    static let vectorB_ChaCha = "lbJYQ0hBQ0hBMjAtUE9MWTEzMDXZIDY2Njg3YWFkZjg2MmJkNzc2YzhmYzE4YjhlOWY4ZTIwxBBAr+aptD4x2+qfOhiErbnkxAxYs8RmNC1JJXD1hiHEIJ2KqM0jjkME7ndx8nyVseesN83Np0rM5ejVUun+fNFu"
    // KAT C (format C with context): key below, context = 16 zero bytes.
    static let vectorC_AES = "s2gmfQHeGdlyL8x1yEWSACUV3GrSoz3t160hugMgzKWgyqesXDVUJ5Dw5Mt076rR1PNiU9X4YjLH14D8a81t2r2xsz4gVZac"
    static let vectorC_ChaCha = "gO4woRIswAJdjUjW7z2ApsSQxJlwB24yjLrmH4eI7sB0uh5nfEJfk9ybTPFft5FRFaZCVBmzhx7OJs9n0WWtxH3sySIxecIK"

    static func vectorCKey(_ algorithm: KeyAlgorithm) -> SecretKey {
        try! SecretKey(bytes: Base64.decode("dDHbTWgo+Yh3u804SYB5OyVMy6RiLeJYBQth1f6KlEU=")!, algorithm: algorithm)
    }

    /// Stops the run if a ciphertext does not open: timing a failure path would mislead.
    static func expectOpens(_ key: SecretKey, _ ciphertext: [UInt8], context: [UInt8]) {
        guard (try? key.decrypt(ciphertext, context: context)) != nil else {
            fatalError("KESMicro: fixture does not decrypt with \(key)")
        }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
