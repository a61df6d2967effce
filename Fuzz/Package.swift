// swift-tools-version:6.1
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which differs between checkouts (CI
// clones the repository under another name), so it is read from where this manifest lives.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

func kes(_ product: String) -> Target.Dependency {
    .product(name: product, package: root)
}

/// One executable per fuzz target; its `@main` hands over to libFuzzer (FuzzSupport).
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Targets/\(name)")
}

let package = Package(
    name: "swift-kes-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        .target(name: "CLibFuzzer", path: "Support/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Support/FuzzSupport"),
        fuzzTarget("FuzzCiphertext", [kes("KESCore")]),
        fuzzTarget("FuzzCiphertextTamper", [kes("KESCore")]),
        fuzzTarget("FuzzStoredKey", [kes("KESCore")]),
        fuzzTarget("FuzzJSONBody", [kes("KESCore"), kes("KESServer")]),
        fuzzTarget(
            "FuzzHTTPHead",
            [
                kes("KESCore"), kes("KESServer"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        fuzzTarget("FuzzPolicyGlob", [kes("KESCore")]),
        fuzzTarget(
            "FuzzIdentity",
            [
                kes("KESCore"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        fuzzTarget("FuzzGoDuration", [kes("KESCore")]),
        // KESConfig is no product of the root package; KESBootstrap's depends on it, so its
        // module is built and importable.
        fuzzTarget("FuzzConfig", [kes("KESCore"), kes("KESBootstrap")]),
    ]
)
