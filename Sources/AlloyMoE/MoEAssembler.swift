import AlloyFormat
import AlloyMath
import AlloyModel
import Foundation

/// Options of a MoE assembly beyond the configuration file.
public struct MoEAssemblyOptions: Sendable {
    /// Seed for random gates and expert noise.
    public var seed: UInt64 = 0
    /// Expert layout; nil = the family's default (what mergekit-moe writes).
    public var layout: ExpertLayout?
    /// `--i-understand-this-is-not-useful-without-training`.
    public var allowIdenticalExperts = false
    /// Largest shard, in bytes of tensor data.
    public var maxShardBytes = 5_000_000_000
    /// Copy the base model's tokenizer (with mergekit-moe's padding settings).
    public var copyTokenizer = true
    /// Write `mergekit_moe_config.yml` and `README.md`.
    public var writeModelCard = true
    /// Tensors assembled at once.
    public var threads = 2
    /// When set, the gate forward pass rounds activations to this dtype (nil = Float32).
    public var forwardDType: DType?

    public init() {}
}

/// What an assembly did, for logs and `--json`.
public struct MoEAssemblySummary: Sendable {
    public var family: MoEFamily
    public var layout: ExpertLayout
    public var dtype: DType
    public var experts: Int
    public var sharedExperts: Int
    public var tensors: Int
    public var bytes: Int
    public var files: [String]
    public var degenerateLayers: [Int]
    public var forwardSeconds: Double
    public var totalSeconds: Double

    public init(family: MoEFamily, layout: ExpertLayout, dtype: DType, experts: Int, sharedExperts: Int, tensors: Int,
                bytes: Int, files: [String], degenerateLayers: [Int], forwardSeconds: Double, totalSeconds: Double) {
        self.family = family
        self.layout = layout
        self.dtype = dtype
        self.experts = experts
        self.sharedExperts = sharedExperts
        self.tensors = tensors
        self.bytes = bytes
        self.files = files
        self.degenerateLayers = degenerateLayers
        self.forwardSeconds = forwardSeconds
        self.totalSeconds = totalSeconds
    }
}

/// Builds a mixture-of-experts model from dense models as mergekit-moe does:
/// attention, norms, embeddings and head from the base model, each expert's MLP
/// from its source model, routers from the gate mode.
///
/// Everything that can be checked is checked in `init` (configuration, models,
/// shapes, output family and layout) before any heavy work.
public final class MoEAssembler {
    public let config: MoEConfig
    public let file: String
    public let options: MoEAssemblyOptions
    public let inputs: MoEInputs
    public let family: MoEFamily
    public let layout: ExpertLayout
    public let dtype: DType

    public init(config: MoEConfig, file: String, options: MoEAssemblyOptions) throws {
        try config.validate(allowIdenticalExperts: options.allowIdenticalExperts, file: file)
        self.config = config
        self.file = file
        self.options = options
        inputs = try MoEInputs(config, file: file)
        family = try MoEFamily.select(for: config, modelTypes: inputs.modelTypes, file: file)
        let chosen = options.layout ?? family.defaultLayout
        guard family.layouts.contains(chosen) else {
            throw AlloyError(.unsupported, code: "unsupported_layout",
                             "\(family.name) output can only be written \(family.layouts.map(\.rawValue).joined(separator: " or ")), not \(chosen.rawValue)")
        }
        layout = chosen
        let embedDType = inputs.base.store.info("model.embed_tokens.weight")?.dtype
        dtype = config.dtype ?? inputs.base.config.dtype ?? embedDType ?? .F32
        guard dtype.isEncodable && dtype.isFloatingPoint else {
            throw AlloyError.config("\(file): dtype", "cannot write \(dtype.rawValue) weights")
        }
        if config.gateMode.runsModel { try inputs.base.config.checkRunnable(source: inputs.base.directory) }
    }

    /// The experts whose rows the gate builder computes: the routed experts, then
    /// the shared experts when they have prompts (mergekit-moe's order).
    var gatedExperts: [MoEExpert] {
        let sharedGated = !config.sharedExperts.isEmpty && config.sharedExperts.allSatisfy { !$0.positivePrompts.isEmpty }
        return config.experts + (sharedGated ? config.sharedExperts : [])
    }

    /// Computes every router row. `tokenizer` is needed by the prompt-based gate modes.
    /// Returns the rows and the seconds spent in the base model's forward pass.
    public func routers(tokenizer: PromptTokenizer?) throws -> (RouterWeights, forwardSeconds: Double) {
        let c = inputs.base.config
        let gated = gatedExperts
        switch config.gateMode {
        case .random, .uniformRandom:
            let uniform = config.gateMode == .uniformRandom
            return (RouterBuilder.random(layers: c.numLayers, experts: gated.count, hidden: c.hiddenSize,
                                         seed: options.seed, uniform: uniform), 0)
        case .cheapEmbed, .hidden, .hiddenLast, .hiddenAverage:
            guard let tokenizer else {
                throw AlloyError(.io, code: "missing_tokenizer",
                                 "\(inputs.base.directory): gate_mode \(config.gateMode.rawValue) needs the base model's tokenizer.json")
            }
            let prompts = try tokenizer.tokenize(gated)
            if config.gateMode == .cheapEmbed {
                return (try RouterBuilder.cheapEmbed(embeddings: inputs.base.store, layers: c.numLayers, experts: prompts), 0)
            }
            let start = Date()
            let forward = try DecoderForward(config: c, weights: inputs.base.store)
            forward.activationDType = options.forwardDType
            let rows = try RouterBuilder.hidden(forward, experts: prompts, padId: tokenizer.padId,
                                                average: config.gateMode == .hiddenAverage)
            return (rows, Date().timeIntervalSince(start))
        }
    }

    /// The number of tensors `write` produces (for progress reporting).
    public var tensorCount: Int { MoETensorPlan(config: config, inputs: inputs, family: family, layout: layout, dtype: dtype).entries.count }

    /// Writes the model into `output` (config.json, shards, tokenizer, config copy, card),
    /// calling `progress` after each tensor (from worker threads).
    public func write(routers: RouterWeights, to output: OutputDirectory, tokenizerPadded: Bool,
                      progress: (@Sendable () -> Void)? = nil) throws -> (tensors: Int, bytes: Int, files: [String]) {
        let plan = MoETensorPlan(config: config, inputs: inputs, family: family, layout: layout, dtype: dtype)
        let sharedRouters = try sharedGateRows(routers)
        let outConfig = MoEOutputConfig.make(
            family: family, layout: layout, base: inputs.base.rawConfig, experts: config.experts.count,
            expertsPerToken: config.expertsPerToken, expertIntermediateSize: inputs.expertIntermediateSize,
            sharedIntermediateSize: inputs.sharedExperts.first?.config.intermediateSize, dtype: dtype)
        try JSONFile.write(outConfig, to: output.path("config.json"), writer: .huggingFaceConfig)
        let writer = try ShardedWriter(directory: output.workingPath, tensors: plan.entries.map(\.spec),
                                       maxShardBytes: options.maxShardBytes)
        let entries = plan.entries
        let experts = config.experts.count
        try Parallel.forEach(entries.count, threads: options.threads) { i in
            let (spec, recipe) = entries[i]
            switch recipe {
            case .pieces(let pieces):
                try MoETensorWriter.writePieces(pieces, spec: spec, writer: writer, seed: options.seed)
            case .router(let layer):
                try writer.write(spec.name, values: routers.rows(layer: layer, 0..<experts))
            case .sharedGate(let layer):
                try writer.write(spec.name, values: sharedRouters.rows(layer: layer, 0..<sharedRouters.experts))
            case .zeros:
                try writer.write(spec.name, values: [Float](repeating: 0, count: spec.elementCount))
            }
            progress?()
        }
        var files = ["config.json"] + (try writer.finish())
        if options.copyTokenizer {
            files += try MoETokenizerFiles.copy(from: inputs.base.directory, to: output, padded: tokenizerPadded)
        }
        if options.writeModelCard {
            try write(config.source, to: output.path("mergekit_moe_config.yml"))
            try write(modelCard(outputName: (output.finalPath as NSString).lastPathComponent), to: output.path("README.md"))
            files += ["mergekit_moe_config.yml", "README.md"]
        }
        return (plan.entries.count, plan.entries.reduce(0) { $0 + $1.spec.byteCount }, files)
    }

    /// Rows for Qwen MoE's shared-expert gates: the extra gated rows when the shared
    /// expert has prompts, else random rows drawn like the routers'.
    func sharedGateRows(_ routers: RouterWeights) throws -> RouterWeights {
        let n = config.sharedExperts.count
        let c = inputs.base.config
        if routers.experts == config.experts.count + n && n > 0 {
            var values: [Float] = []
            for l in 0..<routers.layers { values += routers.rows(layer: l, config.experts.count..<routers.experts) }
            return RouterWeights(layers: routers.layers, experts: n, hidden: routers.hidden, values: values)
        }
        return RouterBuilder.random(layers: c.numLayers, experts: n, hidden: c.hiddenSize, seed: options.seed,
                                    uniform: config.gateMode == .uniformRandom, stream: "shared-router")
    }

    func modelCard(outputName: String) -> String {
        var lines = ["---", "base_model:"]
        var seen = Set<String>()
        for m in config.allModels where seen.insert(m.path).inserted { lines.append("- \(m.path)") }
        lines += ["library_name: transformers", "tags:", "- mergekit", "- moe", "- merge", "---", "", "# \(outputName)", "",
                  "A \(family.name) mixture of experts assembled with Alloy's merge-moe from \(config.experts.count) experts"
                      + (config.sharedExperts.isEmpty ? "" : " and \(config.sharedExperts.count) shared expert(s)")
                      + ", gate mode `\(config.gateMode.rawValue)`, \(config.expertsPerToken) experts per token.",
                  "Attention, norms and embeddings come from `\(config.baseModel.path)`.", "",
                  "## Configuration", "", "```yaml", config.source.trimmingCharacters(in: .newlines), "```", ""]
        return lines.joined(separator: "\n")
    }

    func write(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw AlloyError.io(path, "cannot write: \(error.localizedDescription)")
        }
    }
}
