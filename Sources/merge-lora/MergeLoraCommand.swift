import AlloyCLI
import AlloyFormat
import AlloyLoRA
import AlloyMath
import ArgumentParser
import Foundation

/// `merge-lora`: combines LoRA (or (IA)³) adapters into one, like PEFT's `add_weighted_adapter`.
@main
struct MergeLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-lora",
        abstract: "Combine LoRA or (IA)³ adapters into one PEFT adapter (PEFT's add_weighted_adapter, all 11 LoRA combination types).",
        discussion: """
        Methods: cat (exact: factors concatenated, rank = sum of ranks), linear, ties, dare_linear, \
        dare_ties, magnitude_prune (A and B factors combined separately with weights \
        sign(w·s)·sqrt(|w·s|) on A and sqrt(|w·s|) on B: exact only for one adapter), and svd, ties_svd, \
        dare_linear_svd, dare_ties_svd, magnitude_prune_svd (the deltas scaling·B·A are combined, then \
        truncated to --svd-rank by SVD; B takes the singular values). The merged adapter has \
        r = lora_alpha = the new rank (scaling 1), the union of the target modules and empty \
        rank/alpha patterns; other config fields come from the first adapter. A module only some \
        adapters adapt is merged from those. A single adapter is always merged as linear.

        PEFT version choices (PEFT 0.21): the SVD family weights each delta by w (not w·scaling, the \
        double-scaling bug of PEFT 0.9–0.20 fixed by PR #3111); the merged adapter has \
        use_rslora = false (PR #3449; older versions inherit it and overscale by sqrt(r)); the linear \
        family puts the sign of a negative weight on A only (PEFT ≥ 0.19); DARE rescales kept entries \
        by 1/density (PEFT ≥ 0.19), and density 0 drops everything instead of producing NaN. Where \
        PEFT fails, Alloy does what PEFT intends: an --svd-rank above a layer's min(out, in) is \
        clamped for that layer and zero-padded; Conv1d/Conv3d deltas are flattened like Conv2d ones. \
        DARE uses Alloy's seeded generator (--random-seed), not torch's. Magnitude ties at the \
        top-k threshold keep the lower index. Adapters with lora_B biases or DoRA are refused. As in \
        PEFT, the merged adapter's modules_to_save (the first adapter's list) hold copies of the \
        base model's modules (--base-model), and two adapters saving the same module are refused. Large dense SVDs use a block Krylov randomized SVD (--svd-method). SVD factors get a fixed sign convention (each left singular vector's largest entry positive), so they and --svd-clamp do not depend on the BLAS library; PEFT's clamp does, so its results differ between machines.

        (IA)³ adapters (peft_type IA3) are merged as IA3Model.add_weighted_adapter does: per \
        module l = Σ w·l over the adapters that have it (--method linear or none; no density). \
        As in PEFT, a module only some adapters scale gets Σ w·l of those present, which shrinks \
        its activations; a warning names those modules, and --ia3-missing-as-identity counts an \
        absent adapter as ones instead. target_modules and feedforward_modules are unioned. \
        LoRA and (IA)³ adapters cannot be merged together; LoHa/LoKr adapters are folded with \
        apply-lora, not merged.

        EXAMPLES:
          merge-lora ../shared/fixtures/models/lora-a ../shared/fixtures/models/lora-c --method cat --weights 1,0.5 --out /tmp/cat
          merge-lora ../shared/fixtures/models/lora-a ../shared/fixtures/models/lora-b --method ties --weights 1,1 --density 0.5 --out /tmp/ties
          merge-lora ../shared/fixtures/models/lora-a ../shared/fixtures/models/lora-d --method svd --weights 1,0.5 --svd-rank 8 --svd-clamp 0.99 --out /tmp/svd --json
          merge-lora ../shared/fixtures/adapters/ia3-a ../shared/fixtures/adapters/ia3-b --weights 0.6,0.4 --out /tmp/ia3

        EXIT STATUS:
          0 the adapter was written; 2 failure (unreadable or unsupported adapter, adapters that \
        cannot be combined: unequal ranks for an element-wise method, mismatched shapes or \
        target_modules types, LoRA and (IA)³ adapters together); 64 usage error. Nothing is left at --out on failure.
        """)

    @Argument(help: "The adapters: PEFT adapter directories (or kohya .safetensors files with --base-model).")
    var adapters: [String]

    @Option(help: "Where to write the merged adapter directory.")
    var out: String

    @Option(help: "Combination type: \(CombinationType.allCases.map(\.rawValue).joined(separator: ", ")) (default: svd; (IA)³ adapters are always merged linear).")
    var method: String?

    @Option(parsing: .unconditional, help: "Comma-separated weight per adapter, e.g. 1,0.5 or -0.5,1 (default: 1 each).")
    var weights: String?

    @Option(help: "Fraction of entries kept by ties, dare_* and magnitude_prune* methods.")
    var density: Double?

    @Option(help: "Sign election of ties methods: total or frequency.")
    var majoritySign = "total"

    @Option(help: "Rank of the merged adapter for svd methods (default: the largest input rank).")
    var svdRank: Int?

    @Option(help: "Clamp the svd factors to this quantile (in [0, 1]) of their values.")
    var svdClamp: Double?

    @Option(help: "Seed for the DARE methods' random drops and the randomized SVD.")
    var randomSeed: UInt64 = 0

    @Option(help: "SVD algorithm for dense deltas: auto (block Krylov for large matrices, sgesdd otherwise), full (LAPACK sgesdd), krylov, randomized.")
    var svdMethod = "auto"

    @Option(help: "Dtype of the merged factors (PEFT writes float32).")
    var dtype = "float32"

    @Option(help: "Base model: resolves kohya-style module names; supplies the modules_to_save copies of the merged adapter.")
    var baseModel: String?

    @Flag(help: "(IA)³ only: count an adapter that does not scale a module as ones (neutral) instead of PEFT's zeros.")
    var ia3MissingAsIdentity = false

    @Option(name: .shortAndLong, help: "Worker threads (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var output: OutputOptions
    @OptionGroup var verbosity: VerbosityOptions

    static func main() {
        ToolRunner.prepare(toolName: "merge-lora")
        main(nil)
    }

    func validate() throws {
        if let method, CombinationType(rawValue: method) == nil {
            throw ValidationError("--method \(method): unknown; use one of \(CombinationType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if TaskTensorMerge.MajoritySign(rawValue: majoritySign) == nil {
            throw ValidationError("--majority-sign \(majoritySign): use total or frequency")
        }
        if !["auto", "full", "krylov", "randomized"].contains(svdMethod) { throw ValidationError("--svd-method: use auto, full, krylov or randomized") }
        guard let d = DType(userName: dtype), d.isFloatingPoint, d.isEncodable else {
            throw ValidationError("--dtype \(dtype): use float32, bfloat16 or float16")
        }
        _ = try parsedWeights()
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if adapters.isEmpty { throw ValidationError("give at least one adapter") }
    }

    func parsedWeights() throws -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: adapters.count) }
        let parts = weights.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count else { throw ValidationError("--weights \(weights): not a comma-separated list of numbers") }
        guard values.count == adapters.count else {
            throw ValidationError("--weights has \(values.count) values for \(adapters.count) adapters")
        }
        return values
    }

    func run() throws {
        try ToolRunner.run {
            let start = Date()
            let base = try baseModel.map { try TensorStore(path: $0) }
            if try adapterKind() == .ia3 { return try runIA3(base: base, start: start) }
            if ia3MissingAsIdentity {
                throw AlloyError.config("--ia3-missing-as-identity", "applies to (IA)³ adapters only; these are LoRA adapters")
            }
            let method = method ?? "svd"
            let loaded = try adapters.map { path -> LoRAAdapter in
                let a = try LoRAAdapter(path: path)
                if let base, a.needsBaseForNames || a.format == .kohya { try a.bind(to: base) }
                return a
            }
            let strategy: TruncatedSVD.Strategy = switch svdMethod {
            case "randomized": .randomized(oversampling: 32, powerIterations: 8)
            case "auto": .auto(oversampling: 8, iterations: 8)
            case "krylov": .krylov(oversampling: 8, iterations: 8)
            default: .full
            }
            let options = AdapterMergeOptions(
                combination: CombinationType(rawValue: method)!, weights: try parsedWeights(), density: density,
                majoritySign: TaskTensorMerge.MajoritySign(rawValue: majoritySign)!, svdRank: svdRank, svdClamp: svdClamp,
                seed: randomSeed, svdStrategy: strategy, dtype: DType(userName: dtype)!)
            let merger = try AdapterMerger(adapters: loaded, options: options, base: base)
            for w in merger.warnings { Diagnostics.warning(w) }
            let bar = ProgressBar("merge-lora", total: merger.modulePaths.count)
            try merger.write(to: out, threads: threads ?? Parallel.defaultThreads, progress: { _ in bar.advance() })
            bar.finish()
            let seconds = Date().timeIntervalSince(start)
            switch output.format {
            case .human:
                Diagnostics.info("\(merger.combination.rawValue) of \(loaded.count) adapters: \(merger.modulePaths.count) modules at rank \(merger.newRank) written to \(out) in \(String(format: "%.1f", seconds)) s")
            case .json, .ndjson:
                StandardOutput.json(.object([
                    ("schema_version", 1), ("tool", "merge-lora"), ("method", .string(merger.combination.rawValue)),
                    ("adapters", .array(adapters.map { .string($0) })),
                    ("weights", .array(options.weights.map { .double($0) })),
                    ("r", .int(merger.newRank)), ("lora_alpha", .int(merger.newRank)),
                    ("modules", .int(merger.modulePaths.count)), ("out", .string(out)),
                    ("warnings", .array(merger.warnings.map { .string($0) })),
                    ("seconds", .double((seconds * 1000).rounded() / 1000)),
                ]), compact: output.format == .ndjson)
            }
            return .success
        }
    }
}
