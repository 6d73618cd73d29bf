import AlloyCLI
import AlloyFormat
import AlloyLoRA
import AlloyMath
import ArgumentParser
import Foundation

/// `extract-lora`: approximates a fine-tune's change to its base as a PEFT LoRA adapter.
@main
struct ExtractLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-lora",
        abstract: "Extract a LoRA adapter from a fine-tuned model and its base by truncated SVD (mergekit-extract-lora compatible).",
        discussion: """
        For every 2-D weight, the delta FT − BASE (computed in float32; transposed for the input \
        embedding) is factored by a truncated SVD: A = sqrt(S)·Vᵀ and B = U·sqrt(S) (or A = S·Vᵀ, B = U \
        with --no-distribute-scale), cast to the weights' dtype. The rank is --max-rank, lowered by \
        --sv-epsilon (singular values at or below it are dropped) and by --energy F (the smallest rank \
        keeping fraction F of the delta's squared Frobenius norm). Embeddings are saved whole as \
        modules_to_save unless --embed-lora is given (always whole when the vocabulary size changed); \
        1-D weights (norms) are saved whole unless --skip-undecomposable; bias deltas of decomposed \
        modules are saved as lora_B.bias (lora_bias is set when every decomposed module has one). The adapter has \
        r = lora_alpha = the largest rank; modules with a lower rank appear in rank_pattern and \
        alpha_pattern, so every scaling is 1. Large matrices use a randomized block Krylov SVD \
        (rank + --oversample Gaussian columns, --power-iterations passes, every block \
        re-orthonormalised by QR and kept; within ~1e-5 of the exact SVD); small ones, or a rank \
        that is a large fraction of the matrix, use LAPACK's sgesdd (--svd-method full: always). Modules run in \
        parallel, each read from the memory-mapped files, so memory stays at a few modules' worth.

        EXAMPLES:
          extract-lora --model ../shared/fixtures/models/llama-ft1 --base-model ../shared/fixtures/models/llama-base --out-path /tmp/ft1-lora --max-rank 8
          extract-lora --model ../shared/fixtures/models/llama-ft1 --base-model ../shared/fixtures/models/llama-base --out-path /tmp/ft1-energy --max-rank 32 --energy 0.9 --json
          extract-lora --model FT --base-model BASE --out-path OUT --max-rank 64 -e 'lm_head' --report report.json

        EXIT STATUS:
          0 the adapter was written; 2 failure (unreadable model, base that does not match the \
        fine-tune: missing weight or different shape); 64 usage error. Nothing is left at --out-path on failure.
        """)

    @Option(help: "The fine-tuned model directory.")
    var model: String

    @Option(help: "The base model directory the fine-tune started from.")
    var baseModel: String

    @Option(help: "Where to write the adapter directory.")
    var outPath: String

    @Option(help: "Largest rank per module.")
    var maxRank = 128

    @Option(help: "Drop singular values at or below this (0: off).")
    var svEpsilon: Double = 0

    @Flag(inversion: .prefixedNo, help: "Split the singular values' square roots between A and B (otherwise A takes them all).")
    var distributeScale = true

    @Flag(inversion: .prefixedNo, help: "Decompose the embeddings too instead of saving them whole.")
    var embedLora = false

    @Option(help: "Save this module (full name or leaf name) at full rank; repeatable.")
    var saveModule: [String] = []

    @Option(name: [.customShort("i"), .long], help: "Only decompose modules matching this regex; repeatable.")
    var includeRegex: [String] = []

    @Option(name: [.customShort("e"), .long], help: "Leave out modules matching this regex; repeatable.")
    var excludeRegex: [String] = []

    @Flag(help: "Leave out modules that cannot be decomposed (norms) instead of saving them whole.")
    var skipUndecomposable = false

    @Option(help: "Per module, the smallest rank keeping this fraction (0–1] of the delta's energy (capped by --max-rank).")
    var energy: Double?

    @Option(help: "Write the per-module report (rank, energy kept, relative error) as JSON to this file.")
    var report: String?

    @Option(help: "SVD algorithm: auto (block Krylov for large matrices, sgesdd otherwise), full (LAPACK sgesdd), krylov, randomized (power iterations).")
    var svdMethod = "auto"

    @Option(help: "Randomized SVD: Krylov iterations (power iterations with --svd-method randomized).")
    var powerIterations = 8

    @Option(help: "Randomized SVD: extra columns beyond the rank.")
    var oversample = 8

    @Option(help: "Seed of the randomized SVD.")
    var randomSeed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Worker threads (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var output: OutputOptions
    @OptionGroup var verbosity: VerbosityOptions

    static func main() {
        ToolRunner.prepare(toolName: "extract-lora")
        main(nil)
    }

    func validate() throws {
        if maxRank < 1 { throw ValidationError("--max-rank must be at least 1") }
        if svEpsilon < 0 { throw ValidationError("--sv-epsilon must be ≥ 0") }
        if let energy, !(energy > 0 && energy <= 1) { throw ValidationError("--energy must be in (0, 1]") }
        if !["auto", "full", "randomized", "krylov"].contains(svdMethod) { throw ValidationError("--svd-method: use auto, full, krylov or randomized") }
        if powerIterations < 0 || oversample < 0 { throw ValidationError("--power-iterations and --oversample must be ≥ 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try ToolRunner.run {
            let start = Date()
            var options = ExtractionOptions()
            options.maxRank = maxRank
            options.svEpsilon = svEpsilon
            options.distributeScale = distributeScale
            options.embedLoRA = embedLora
            options.saveModules = saveModule
            options.includeRegexes = includeRegex
            options.excludeRegexes = excludeRegex
            options.skipUndecomposable = skipUndecomposable
            options.energy = energy
            options.seed = randomSeed
            options.threads = threads ?? Parallel.defaultThreads
            options.svdStrategy = switch svdMethod {
            case "full": .full
            case "randomized": .randomized(oversampling: oversample, powerIterations: powerIterations)
            case "krylov": .krylov(oversampling: oversample, iterations: powerIterations)
            default: .auto(oversampling: oversample, iterations: powerIterations)
            }
            let extractor = try LoRAExtractor(model: try TensorStore(path: model), base: try TensorStore(path: baseModel), options: options)
            for w in extractor.plan.warnings { Diagnostics.warning(w) }
            let decomposed = extractor.plan.entries.filter { $0.action != .saveWhole }.count
            let bar = ProgressBar("extract-lora", total: decomposed)
            let reports = try extractor.write(to: outPath, baseModelName: baseModel, readme: readme(),
                                              progress: { _ in bar.advance() })
            bar.finish()
            let seconds = Date().timeIntervalSince(start)
            let document = summary(reports, seconds: seconds, whole: extractor.plan.modulesToSave)
            if let report { try JSONFile.write(document, to: report, writer: .pretty) }
            switch output.format {
            case .human:
                let maxR = reports.map(\.rank).max() ?? 0
                let worst = reports.map(\.relativeError).max() ?? 0
                Diagnostics.info("\(reports.count) modules decomposed (rank ≤ \(maxR), worst relative error \(String(format: "%.4f", worst))), \(extractor.plan.modulesToSave.count) module names saved whole, written to \(outPath) in \(String(format: "%.1f", seconds)) s")
            case .json:
                StandardOutput.json(document)
            case .ndjson:
                for r in reports { StandardOutput.json(r.json, compact: true) }
                StandardOutput.json(document["summary"] ?? .null, compact: true)
            }
            return .success
        }
    }

    func summary(_ reports: [LoRAExtractor.ModuleReport], seconds: Double, whole: [String]) -> JSONValue {
        let totalRank = reports.reduce(0) { $0 + $1.rank }
        return .object([
            ("schema_version", 1), ("tool", "extract-lora"),
            ("summary", .object([
                ("model", .string(model)), ("base_model", .string(baseModel)), ("out_path", .string(outPath)),
                ("modules", .int(reports.count)), ("r", .int(reports.map(\.rank).max() ?? 0)),
                ("mean_rank", .double(reports.isEmpty ? 0 : (Double(totalRank) / Double(reports.count) * 100).rounded() / 100)),
                ("worst_relative_error", .double(reports.map(\.relativeError).max() ?? 0)),
                ("modules_to_save", .array(whole.map { .string($0) })),
                ("seconds", .double((seconds * 1000).rounded() / 1000)),
            ])),
            ("modules", .array(reports.map(\.json))),
        ])
    }

    func readme() -> String {
        """
        ---
        base_model: []
        library_name: peft
        tags:
        - alloy
        - peft
        ---
        # \((outPath as NSString).lastPathComponent)

        A LoRA adapter extracted with Alloy's extract-lora from \(model), using \(baseModel) as the base.

        ```sh
        \(CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
        ```

        """
    }
}
