// swift-tools-version:6.1
import PackageDescription

// The micro-benchmarks, in a package of their own so that swift-kes itself does not depend on
// package-benchmark. From the repository root:
//
//   swift package --package-path Benchmarks --disable-sandbox benchmark --target KESMicro
//
// package-benchmark only runs executable targets whose directory sits in a directory named
// `Benchmarks`: here that is this package's own directory, so the target stays at KESMicro/.
let package = Package(
    name: "swift-kes-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-kes", path: ".."),
        // The MallocInterposer trait counts allocations without jemalloc.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Per-request pieces timed with their allocations.
        .executableTarget(
            name: "KESMicro",
            dependencies: [
                .product(name: "KESCore", package: "swift-kes"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "KESMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
