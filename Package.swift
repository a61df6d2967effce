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
        .library(name: "KESBootstrap", targets: ["KESBootstrap"]),
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
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // getrandom(2)'s declaration, which Swift's Glibc module does not export.
        .target(name: "CKESRandom"),
        // Pure logic, no I/O: keys, ciphertext formats, stored-key formats, policies, identities,
        // the wire error catalogue, Go durations.
        .target(
            name: "KESCore",
            dependencies: [
                "CKESRandom",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The KeyStore protocol, the key cache, the in-memory store, and what a backend's
        // configuration promises (KeyStoreConfiguration).
        .target(
            name: "KESKeyStore",
            dependencies: [
                "KESCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // TLS pieces shared by the server, the backends and the SDK: signature algorithms, the CA
        // loader, PEM files, client TLS settings.
        .target(
            name: "KESTLS",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // What every HTTP backend and the SDK share: a fail-fast client, capped bodies, error
        // texts and endpoint failover.
        .target(
            name: "KESHTTPBackend",
            dependencies: [
                "KESTLS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // keystore.fs: one file per key.
        .target(
            name: "KESFileStore",
            dependencies: [
                "KESKeyStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // keystore.vault: HashiCorp Vault and OpenBao K/V engines.
        .target(
            name: "KESVault",
            dependencies: [
                "KESCore",
                "KESKeyStore",
                "KESTLS",
                "KESHTTPBackend",
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
                "KESCore",
                "KESKeyStore",
                "KESHTTPBackend",
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
                "KESTLS",
                "KESHTTPBackend",
                "KESCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTPS front, configured with built values: mTLS, the route table, the connection
        // state machine, handlers, audit/error logs, metrics.
        .target(
            name: "KESServer",
            dependencies: [
                "KESCore",
                "KESKeyStore",
                "KESTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The KES YAML config file: parsed into the file's model, each keystore section into its
        // backend's own configuration type.
        .target(
            name: "KESConfig",
            dependencies: [
                "KESCore",
                "KESKeyStore",
                "KESTLS",
                "KESFileStore",
                "KESVault",
                "KESAWS",
                "KESChainStore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Maps a parsed config file onto the server's built values and connects the key store.
        .target(
            name: "KESBootstrap",
            dependencies: [
                "KESConfig",
                "KESServer",
                "KESKeyStore",
                "KESTLS",
                "KESCore",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Swift SDK: every KES route over AsyncHTTPClient with mTLS or an API key.
        .target(
            name: "KESClient",
            dependencies: [
                "KESCore",
                "KESTLS",
                "KESHTTPBackend",
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
                // FileDescriptorLimit: --hold holds up to 10,000 connections, as the server does.
                "KESServer",
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
                "KESConfig",
                "KESBootstrap",
                "KESServer",
                "KESClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // MD5 and AES-CBC: `identity new --encrypt` writes KES's legacy encrypted PEM.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
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
        .testTarget(name: "KESConfigTests", dependencies: ["KESConfig", "KESFileStore", "KESVault", "KESAWS", "KESChainStore", "KESTLS"]),
        .testTarget(
            name: "KESVaultTests",
            dependencies: [
                "KESVault", "KESKeyStore", "KESConfig", "KESTLS", "KESTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "KESAWSTests", dependencies: ["KESAWS", "KESKeyStore", "KESConfig", "KESTestSupport"]),
        // Shared by the test targets: a real server on loopback, test identities, an HTTPS client.
        .target(
            name: "KESTestSupport",
            dependencies: [
                "KESClient",
                "KESServer", "KESBootstrap", "KESFileStore", "KESKeyStore", "KESCore", "KESConfig", "KESTLS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KESTestSupport"
        ),
        // The cache under failure: a real server over a real OpenBao or moto that is stopped and restarted.
        .testTarget(
            name: "KESBackendFailureTests",
            dependencies: [
                "KESTestSupport", "KESServer", "KESVault", "KESAWS", "KESChainStore", "KESConfig", "KESKeyStore", "KESCore", "KESTLS",
                "KESClient",
            ]
        ),
        .testTarget(
            name: "KESClientTests",
            dependencies: ["KESClient", "KESTestSupport", "KESServer", "KESCore", "KESConfig", "KESKeyStore", "KESFileStore", "KESVault", "KESAWS"]
        ),
        // One contract, every key store: memory, fs, OpenBao K/V v1 and v2, moto Secrets Manager, a chained swift-kes server.
        .testTarget(
            name: "KESKeyStoreContractTests",
            dependencies: [
                "KESTestSupport", "KESKeyStore", "KESFileStore", "KESVault", "KESAWS", "KESChainStore", "KESConfig", "KESCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KESServerTests",
            dependencies: [
                "KESTestSupport",
                "KESServer", "KESBootstrap", "KESFileStore", "KESKeyStore", "KESCore", "KESConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
    ]
)
