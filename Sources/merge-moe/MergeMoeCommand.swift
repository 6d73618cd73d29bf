import AlloyCLI
import AlloyFormat
import AlloyMoE
import ArgumentParser
import Foundation

/// `merge-moe CONFIG OUT_DIR`: dense models into a mixture of experts, from a mergekit-moe configuration.
@main
struct MergeMoeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-moe",
        abstract: "Assemble a mixture-of-experts model from dense models (mergekit-moe configurations).",
        discussion: """
            Reads a mergekit-moe YAML configuration (base_model, experts with source_model, \
            positive_prompts, negative_prompts, noise_scale, residual_scale; gate_mode; experts_per_token; \
            shared_experts; dtype; architecture) and writes a Mixtral, DeepSeek MoE, Qwen MoE (Qwen2-MoE) \
            or Qwen3 MoE model directory: attention, norms and embeddings from the base model, one expert \
            per source model's MLP, routers from the gate mode. gate_mode hidden runs the base model on \
            the prompts (CPU, Float32, BLAS); cheap_embed sums prompt token embeddings; random and \
            uniform_random draw from --random-seed.

            Experts are written fused (Transformers v5: mlp.experts.gate_up_proj / down_proj) or one \
            tensor per expert (Transformers v4, llama.cpp); --expert-layout chooses, the default is what \
            mergekit-moe writes for the family (fused for Mixtral and Qwen3 MoE).

            EXAMPLES:
              cd ../shared/fixtures && merge-moe cases/moe-2exp-hidden.yml /tmp/moe-out
              merge-moe moe.yml out/ --expert-layout per-expert --random-seed 7
              merge-moe moe.yml out/ --json > summary.json

            EXIT STATUS:
              0 the model was written; 2 the configuration or the models were rejected, or an \
            I/O error occurred (nothing is left at OUT_DIR); 64 bad command line.
            """)

    @Argument(help: "The mergekit-moe YAML configuration.")
    var config: String

    @Argument(help: "The output model directory (created, or replaced atomically).")
    var outDir: String

    @Option(name: .customLong("expert-layout"), help: "fused or per-expert (default: the family's mergekit-moe layout).")
    var expertLayout: String?

    @Option(name: .customLong("random-seed"), help: "Seed for random gates and expert noise (default 0).")
    var randomSeed: UInt64?

    @Flag(name: .customLong("i-understand-this-is-not-useful-without-training"),
          help: "Allow every expert to be the same model.")
    var allowIdenticalExperts = false

    @Option(name: .customLong("out-shard-size"), help: "Largest output shard (5B, 2GB, 500M; K/M/B = 10^3/10^6/10^9 bytes).")
    var outShardSize = "5B"

    @Flag(name: .customLong("copy-tokenizer"), inversion: .prefixedNo, help: "Copy the base model's tokenizer.")
    var copyTokenizer = true

    @Flag(name: .customLong("write-model-card"), inversion: .prefixedNo,
          help: "Write README.md and mergekit_moe_config.yml.")
    var writeModelCard = true

    @Option(name: .customLong("forward-dtype"),
            help: "Round the gate forward pass's activations to this dtype (e.g. bfloat16) to follow a bf16 reference; default float32.")
    var forwardDType: String?

    @Option(name: [.customShort("j"), .customLong("num-threads")], help: "Tensors assembled at once (default 2).")
    var threads: Int?

    @Option(name: .customLong("device"), help: "Where hidden states are computed: cpu (the only device; auto accepted).")
    var device: String?

    @Flag(name: .customLong("load-in-4bit"), help: .hidden) var loadIn4bit = false
    @Flag(name: .customLong("load-in-8bit"), help: .hidden) var loadIn8bit = false
    @Flag(name: .customLong("allow-crimes"), inversion: .prefixedNo, help: .hidden) var allowCrimes = false
    @Flag(name: .customLong("cuda"), inversion: .prefixedNo, help: .hidden) var cuda = false
    @Flag(name: .customLong("lazy-unpickle"), inversion: .prefixedNo, help: .hidden) var lazyUnpickle = false
    @Flag(name: .customLong("trust-remote-code"), inversion: .prefixedNo, help: .hidden) var trustRemoteCode = false
    @Flag(name: .customLong("clone-tensors"), inversion: .prefixedNo, help: .hidden) var cloneTensors = false
    @Flag(name: .customLong("low-cpu-memory"), inversion: .prefixedNo, help: .hidden) var lowCPUMemory = false
    @Flag(name: .customLong("safe-serialization"), inversion: .prefixedNo, help: .hidden) var safeSerialization = true
    @Option(name: .customLong("transformers-cache"), help: .hidden) var transformersCache: String?

    @OptionGroup var verbosity: VerbosityOptions
    @OptionGroup var output: OutputOptions

    static func main() {
        ToolRunner.prepare(toolName: "merge-moe")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            let options = try assemblyOptions()
            if loadIn4bit || loadIn8bit {
                Diagnostics.warning("--load-in-4bit/--load-in-8bit are ignored: hidden states are computed in Float32 on the CPU")
            }
            if cuda { Diagnostics.warning("--cuda is ignored: merge-moe computes on the CPU") }
            let start = Date()
            let moeConfig = try MoEConfig(file: config)
            if !moeConfig.unknownKeys.isEmpty {
                Diagnostics.warning("\(config): ignoring unknown keys: \(moeConfig.unknownKeys.joined(separator: ", "))")
            }
            let assembler = try MoEAssembler(config: moeConfig, file: config, options: options)
            Diagnostics.verbose("output family \(assembler.family.name), \(assembler.layout.rawValue) experts, \(assembler.dtype.torchName)")
            if assembler.family != .deepseek, moeConfig.experts.count & (moeConfig.experts.count - 1) != 0 {
                Diagnostics.warning("\(moeConfig.experts.count) experts is not a power of two; llama.cpp will not load the model")
            }
            let needsTokenizer = moeConfig.gateMode.needsPrompts
            let tokenizer = needsTokenizer ? try PromptTokenizer(modelDirectory: assembler.inputs.base.directory) : nil
            let output = try OutputDirectory(outDir)
            let (routers, forwardSeconds) = try assembler.routers(tokenizer: tokenizer)
            let degenerate = routers.degenerateLayers()
            if !degenerate.isEmpty {
                let which = degenerate.count == routers.layers ? "all layers" : "layers " + degenerate.map(String.init).joined(separator: ", ")
                Diagnostics.warning("\(which) have degenerate routing parameters; your prompts may be too similar and some experts will be underused")
            }
            let bar = ProgressBar("merge-moe", total: assembler.tensorCount)
            let written = try assembler.write(routers: routers, to: output, tokenizerPadded: needsTokenizer) { bar.advance() }
            bar.finish()
            try output.commit()
            let summary = MoEAssemblySummary(
                family: assembler.family, layout: assembler.layout, dtype: assembler.dtype,
                experts: moeConfig.experts.count, sharedExperts: moeConfig.sharedExperts.count,
                tensors: written.tensors, bytes: written.bytes, files: written.files, degenerateLayers: degenerate,
                forwardSeconds: forwardSeconds, totalSeconds: Date().timeIntervalSince(start))
            report(summary, gateMode: moeConfig.gateMode)
            return .success
        }
    }

    func assemblyOptions() throws -> MoEAssemblyOptions {
        var o = MoEAssemblyOptions()
        o.seed = randomSeed ?? 0
        if let name = expertLayout {
            guard let l = ExpertLayout(rawValue: name) else {
                throw AlloyError(.config, code: "invalid_option", "--expert-layout: unknown layout \"\(name)\"",
                                 hint: "use fused or per-expert")
            }
            o.layout = l
        }
        o.allowIdenticalExperts = allowIdenticalExperts
        guard let size = MergekitSize.parse(outShardSize) else {
            throw AlloyError(.config, code: "invalid_option", "--out-shard-size: cannot read \"\(outShardSize)\"",
                             hint: "give bytes, optionally with K/M/B or KB/MB/GB")
        }
        o.maxShardBytes = size
        o.copyTokenizer = copyTokenizer
        o.writeModelCard = writeModelCard
        if let t = threads {
            guard t >= 1 else { throw AlloyError(.config, code: "invalid_option", "--num-threads: must be at least 1") }
            o.threads = t
        }
        if let name = forwardDType {
            guard let d = DType(userName: name), [.BF16, .F16, .F32].contains(d) else {
                throw AlloyError(.config, code: "invalid_option", "--forward-dtype: unknown dtype \"\(name)\"",
                                 hint: "use float32, bfloat16 or float16")
            }
            o.forwardDType = d == .F32 ? nil : d
        }
        if let device, !["cpu", "auto"].contains(device.lowercased()) {
            throw AlloyError(.unsupported, code: "unsupported_device", "--device: \"\(device)\" is not available; merge-moe computes on the CPU")
        }
        if !safeSerialization {
            throw AlloyError(.unsupported, code: "unsupported_option", "--no-safe-serialization: Alloy writes safetensors only")
        }
        return o
    }

    func report(_ s: MoEAssemblySummary, gateMode: GateMode) {
        switch output.format {
        case .json, .ndjson:
            let value: JSONValue = .object([
                ("schema_version", 1), ("tool", "merge-moe"), ("output", .string(outDir)),
                ("family", .string(s.family.name)), ("layout", .string(s.layout.rawValue)),
                ("dtype", .string(s.dtype.torchName)), ("gate_mode", .string(gateMode.rawValue)),
                ("experts", .int(s.experts)), ("shared_experts", .int(s.sharedExperts)),
                ("tensors", .int(s.tensors)), ("bytes", .int(s.bytes)),
                ("files", .array(s.files.map { .string($0) })),
                ("degenerate_layers", .array(s.degenerateLayers.map { .int($0) })),
                ("forward_seconds", .double((s.forwardSeconds * 1000).rounded() / 1000)),
                ("seconds", .double((s.totalSeconds * 1000).rounded() / 1000)),
            ])
            StandardOutput.json(value, compact: output.format == .ndjson)
        case .human:
            Diagnostics.info("wrote \(outDir): \(s.family.name), \(s.experts) experts (\(s.layout.rawValue)), "
                + "\(s.tensors) tensors, \(ByteSize.format(s.bytes)), \(String(format: "%.1f", s.totalSeconds)) s")
        }
    }
}

/// Sizes as mergekit spells `--out-shard-size` (an integer with K/M/B = 10^3/10^6/10^9),
/// falling back to Alloy's `5GB` / `2GiB` spellings.
enum MergekitSize {
    static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for (suffix, scale) in [("K", 1_000), ("M", 1_000_000), ("B", 1_000_000_000)] where s.hasSuffix(suffix) {
            if let n = Int(s.dropLast()), n > 0 { return n * scale }
        }
        return ByteSize.parse(text)
    }
}
