// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-kes",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kes", targets: ["kes"]),
        .library(name: "KESCore", targets: ["KESCore"]),
        .library(name: "KESKeyStore", targets: ["KESKeyStore"]),
        .library(name: "KESServer", targets: ["KESServer"]),
        .library(name: "KESClient", targets: ["KESClient"]),
        .executable(name: "kes-bench", targets: ["kes-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Micro-benchmarks only; the MallocInterposer trait counts allocations without jemalloc.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Pure logic, no I/O: keys, ciphertext formats, stored-key formats, policies, identities.
        .target(
            name: "KESCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The KeyStore protocol, the key cache and the in-memory store.
        .target(
            name: "KESKeyStore",
            dependencies: [
                "KESCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // keystore.fs: one file per key.
        .target(
            name: "KESFileStore",
            dependencies: [
                "KESKeyStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // keystore.vault: HashiCorp Vault and OpenBao K/V engines.
        .target(
            name: "KESVault",
            dependencies: [
                "KESKeyStore",
                "KESConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // keystore.aws.secretsmanager, with a hand-written SigV4 signer.
        .target(
            name: "KESAWS",
            dependencies: [
                "KESKeyStore",
                "KESConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // keystore.kes: another KES-compatible server's /v1/secret API as the key store.
        .target(
            name: "KESChainStore",
            dependencies: [
                "KESClient",
                "KESKeyStore",
                "KESConfig",
                "KESCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The KES YAML server config.
        .target(
            name: "KESConfig",
            dependencies: [
                "KESCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The HTTPS front: mTLS, routing, handlers, audit/error logs, metrics.
        .target(
            name: "KESServer",
            dependencies: [
                "KESCore",
                "KESKeyStore",
                "KESConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The Swift SDK: every KES route over AsyncHTTPClient with mTLS or an API key.
        .target(
            name: "KESClient",
            dependencies: [
                "KESCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The load generator: closed- and open-loop mTLS keep-alive load against any KES server.
        .executableTarget(
            name: "kes-bench",
            dependencies: [
                "KESCore",
                "KESClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "kes",
            dependencies: [
                "KESCore",
                "KESKeyStore",
                "KESFileStore",
                "KESVault",
                "KESAWS",
                "KESChainStore",
                "KESConfig",
                "KESServer",
                "KESClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "KESCoreTests",
            dependencies: [
                "KESCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "KESKeyStoreTests",
            dependencies: ["KESKeyStore", "KESFileStore", "KESTestSupport", .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(name: "KESConfigTests", dependencies: ["KESConfig"]),
        .testTarget(
            name: "KESVaultTests",
            dependencies: [
                "KESVault", "KESKeyStore", "KESConfig", "KESTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KESAWSTests", dependencies: ["KESAWS", "KESKeyStore", "KESConfig", "KESTestSupport"]),
        // Per-request pieces timed with their allocations: `swift package benchmark --target KESMicro`.
        .executableTarget(
            name: "KESMicro",
            dependencies: ["KESCore", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/KESMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Shared by the test targets: a real server on loopback, test identities, an HTTPS client.
        .target(
            name: "KESTestSupport",
            dependencies: [
                "KESClient",
                "KESServer", "KESFileStore", "KESKeyStore", "KESCore", "KESConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Tests/KESTestSupport"
        ),
        // The cache under failure: a real server over a real OpenBao or moto that is stopped and restarted.
        .testTarget(
            name: "KESBackendFailureTests",
            dependencies: ["KESTestSupport", "KESServer", "KESVault", "KESAWS", "KESChainStore", "KESConfig", "KESKeyStore", "KESCore"]
        ),
        .testTarget(
            name: "KESClientTests",
            dependencies: ["KESClient", "KESTestSupport", "KESServer", "KESCore", "KESConfig", "KESKeyStore"]
        ),
        .testTarget(
            name: "KESServerTests",
            dependencies: [
                "KESTestSupport",
                "KESServer", "KESFileStore", "KESKeyStore", "KESCore", "KESConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
    ]
)
