// swift-tools-version: 6.0
import PackageDescription

/// The tools Alloy ships: each is a thin executable over `AlloyCore` and `AlloyCLI`.
let tools = [
    "safetensors-inspect", "tensor-diff", "merge-yaml", "merge-lora",
    "apply-lora", "extract-lora", "merge-moe", "merge-tokenizer",
]

let package = Package(
    name: "Alloy",
    products: [.library(name: "AlloyCore", targets: ["AlloyCore"])]
        + tools.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
        .target(
            name: "AlloyCore",
            dependencies: ["CBLAS", "CLAPACKE", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "AlloyCLI",
            dependencies: ["AlloyCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "AlloyCoreTests", dependencies: ["AlloyCore"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AlloyToolTests",
            dependencies: ["AlloyCore", "AlloyCLI"],
            exclude: ["Interop", "Fixtures"]  // Python scripts the tests run, not resources
        ),
    ] + tools.map {
        .executableTarget(
            name: $0,
            dependencies: ["AlloyCore", "AlloyCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        )
    }
)
