// swift-tools-version: 6.0
import PackageDescription

/// The tools Alloy ships: each is a thin executable over `AlloyCLI` and the layers it uses.
let tools: [(name: String, layers: [Target.Dependency])] = [
    ("safetensors-inspect", ["AlloyFormat", "AlloyMath", "AlloyAnalysis"]),
    ("tensor-diff", ["AlloyFormat", "AlloyMath", "AlloyAnalysis"]),
    ("merge-yaml", ["AlloyFormat", "AlloyMath", "AlloyMerge"]),
    ("merge-lora", ["AlloyFormat", "AlloyMath", "AlloyLoRA"]),
    ("apply-lora", ["AlloyFormat", "AlloyMath", "AlloyLoRA"]),
    ("extract-lora", ["AlloyFormat", "AlloyMath", "AlloyLoRA"]),
    ("merge-moe", ["AlloyFormat", "AlloyMoE"]),
    ("merge-tokenizer", ["AlloyFormat", "AlloyMath", "AlloyTokenizer"]),
]

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let yams = Target.Dependency.product(name: "Yams", package: "Yams")

/// The library layers, bottom-up. A target may depend only on targets listed before it,
/// so a lower layer cannot see a higher one (see ARCHITECTURE.md).
let layers: [(name: String, dependencies: [Target.Dependency])] = [
    ("AlloyFormat", []),                                                   // errors, files, JSON, safetensors
    ("AlloyMath", ["AlloyFormat", "CBLAS", "CLAPACKE"]),                   // BLAS/LAPACK, parallel, random, selection kernels
    ("AlloyModel", ["AlloyFormat", "AlloyMath", "CBLAS"]),                 // config, layout, references, forward pass
    ("AlloyAnalysis", ["AlloyFormat", "AlloyMath"]),                       // statistics, tensor differences
    ("AlloyTokenizer", ["AlloyFormat", "AlloyMath", "AlloyModel", "CBLAS", "CLAPACKE"]),  // tokenizers, vocab merge, transplant
    ("AlloyLoRA", ["AlloyFormat", "AlloyMath", "AlloyModel"]),             // adapters: read, apply, merge, extract
    ("AlloyMerge", ["AlloyFormat", "AlloyMath", "AlloyModel", "AlloyTokenizer", "AlloyLoRA", yams]),  // merge-yaml
    ("AlloyMoE", ["AlloyFormat", "AlloyMath", "AlloyModel", "AlloyTokenizer", "AlloyLoRA", yams]),  // merge-moe (no merge code; LoRA folds model+adapter)
]

/// Test-only needs beyond a layer's own dependencies (the writer tests write from parallel threads).
let extraTestDependencies: [String: [Target.Dependency]] = ["AlloyFormat": ["AlloyMath"]]

let package = Package(
    name: "Alloy",
    products: [.library(name: "AlloyCore", targets: ["AlloyCore"])]
        + tools.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
    ] + layers.map { .target(name: $0.name, dependencies: $0.dependencies) } + [
        // The umbrella: re-exports every layer, for `import AlloyCore` and the library product.
        .target(name: "AlloyCore", dependencies: layers.map { .target(name: $0.name) }),
        .target(name: "AlloyCLI", dependencies: ["AlloyFormat", "AlloyMath", argumentParser]),
        // Fixture paths and temporary directories shared by the test targets.
        .target(name: "AlloyTestSupport", path: "Tests/AlloyTestSupport"),
        // One test target per layer, then the tool tests.
    ] + layers.map { layer in
        .testTarget(name: "\(layer.name)Tests",
                    dependencies: [.target(name: layer.name), "AlloyTestSupport"] + layer.dependencies
                        + (extraTestDependencies[layer.name] ?? []))
    } + [
        .testTarget(
            name: "AlloyToolTests",
            dependencies: ["AlloyCore", "AlloyCLI", "AlloyTestSupport"],
            exclude: ["Interop", "Fixtures"]  // Python scripts the tests run, not resources
        ),
    ] + tools.map {
        .executableTarget(name: $0.name, dependencies: $0.layers + ["AlloyCLI", argumentParser])
    }
)
