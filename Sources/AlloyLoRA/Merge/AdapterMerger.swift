import AlloyFormat
import AlloyMath
import Foundation

/// Combines LoRA adapters into one, as PEFT's `LoraModel.add_weighted_adapter` does,
/// working on the adapter files alone, one module at a time.
///
/// Per module, only the adapters that adapt it contribute (PEFT skips the others per layer).
/// The merged adapter has `r = lora_alpha = r_new` (scaling 1), the union of the
/// target modules, empty rank/alpha patterns and `use_rslora = false`; every other
/// config field is adapter 0's.
public final class AdapterMerger: @unchecked Sendable {
    public let adapters: [LoRAAdapter]
    public let options: AdapterMergeOptions
    /// The merged rank.
    public let newRank: Int
    /// The effective combination (a single adapter is always merged `linear`, as PEFT does).
    public let combination: CombinationType
    /// Module paths of the merged adapter.
    public let modulePaths: [String]
    /// Things the caller should tell the user.
    public private(set) var warnings: [String] = []

    /// Validates the adapters and options the way PEFT does, with clearer messages.
    /// The base model (needed for `modules_to_save` and kohya names).
    public let base: TensorSource?
    /// Base tensors copied into the merged adapter for adapter 0's `modules_to_save`.
    public let baseCopies: [String]

    public init(adapters: [LoRAAdapter], options: AdapterMergeOptions, base: TensorSource? = nil) throws {
        guard !adapters.isEmpty else { throw AlloyError.config("adapters", "give at least one adapter") }
        guard options.weights.count == adapters.count else {
            throw AlloyError.config("--weights", "has \(options.weights.count) values for \(adapters.count) adapters",
                                    hint: "give one weight per adapter, in the same order")
        }
        self.adapters = adapters
        self.options = options
        var warnings: [String] = []
        var combination = options.combination
        if adapters.count == 1 && combination != .linear {
            warnings.append("a single adapter is always merged as linear (PEFT ignores --method \(combination.rawValue) then)")
            combination = .linear
        }
        self.combination = combination
        for a in adapters where a.needsBaseForNames {
            throw AlloyError(.unsupported, code: "kohya_needs_base",
                             "\(a.location): is a kohya-style file whose module names need the base model to resolve",
                             hint: "pass --base-model BASE")
        }
        if combination.needsDensity {
            guard let d = options.density else {
                throw AlloyError.config("--density", "is required by --method \(combination.rawValue)")
            }
            guard d >= 0, d.isFinite else { throw AlloyError.config("--density", "must be ≥ 0 (got \(d))") }
            if d >= 1 { warnings.append("--density \(d) ≥ 1 keeps every entry (no pruning, no DARE rescale)") }
        }
        if let q = options.svdClamp, !(0...1).contains(q) {
            throw AlloyError.config("--svd-clamp", "must be a quantile in [0, 1] (got \(q))")
        }
        for (a, w) in zip(adapters, options.weights) where !w.isFinite {
            throw AlloyError.config("--weights", "weight \(w) for \(a.location) is not a finite number")
        }
        // Ranks: max(r, rank_pattern values) per adapter.
        let ranks = adapters.map { a in a.format == .kohya ? (a.modules.map(\.rank).max() ?? 0) : a.config.maximumRank }
        if combination == .cat {
            newRank = ranks.reduce(0, +)
        } else if combination.usesSVD {
            newRank = (options.svdRank ?? 0) > 0 ? options.svdRank! : (ranks.max() ?? 0)
        } else {
            if Set(ranks).count > 1 {
                let list = zip(adapters, ranks).map { "\($0.location) r=\($1)" }.joined(separator: ", ")
                throw AlloyError(.mismatch, code: "rank_mismatch",
                                 "--method \(combination.rawValue) needs adapters of equal rank, got \(list)",
                                 hint: "use --method cat or one of the svd methods (e.g. svd --svd-rank N) for adapters of different ranks")
            }
            newRank = ranks[0]
        }
        guard newRank > 0 else { throw AlloyError.config("--svd-rank", "the merged rank must be positive") }
        // Settings that decide the delta's orientation must agree.
        let fifo = adapters[0].config.fanInFanOut
        for a in adapters.dropFirst() where a.config.fanInFanOut != fifo {
            throw AlloyError(.mismatch, code: "config_mismatch",
                             "\(a.location): fan_in_fan_out is \(a.config.fanInFanOut) but \(adapters[0].location) has \(fifo)")
        }
        for a in adapters {
            if a.modules.contains(where: { $0.biasName != nil }) {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(a.location): has lora_B biases (lora_bias); PEFT does not combine them (issue #3761), so neither does Alloy")
            }
        }
        // modules_to_save: PEFT refuses two adapters saving the same module, and gives the merged
        // adapter fresh copies of the *base* modules named by adapter 0's modules_to_save.
        let wanted = adapters[0].config.modulesToSave
        baseCopies = try MergedAdapterConfig.baseCopies(saved: adapters.map { ($0.location, $0.extraTensors.map(\.baseName)) },
                                                        wanted: wanted, base: base)
        if adapters.dropFirst().contains(where: { !$0.extraTensors.isEmpty }) && wanted.isEmpty {
            warnings.append("modules_to_save tensors of adapters after the first are dropped (the merged config is the first adapter's, as in PEFT)")
        }
        self.base = base
        if Set(adapters.compactMap { $0.config.baseModel.map { ($0 as NSString).standardizingPath } }).count > 1 {
            warnings.append("the adapters name different base models (\(adapters.compactMap { $0.config.baseModel }.joined(separator: ", ")))")
        }
        if combination.taskMethod != nil && !combination.usesSVD && adapters.count > 1 {
            warnings.append("--method \(combination.rawValue) combines the A and B factors separately: an approximation of the weighted sum of the deltas (use cat or svd for an exact one)")
        }
        modulePaths = Set(adapters.flatMap { $0.modules.map(\.path) }).sorted()
        self.warnings = warnings
        _ = try mergedTargetModules()
    }

    // MARK: - Output layout

    /// The merged adapter's config (adapter 0's with PEFT's overrides).
    public func mergedConfig() throws -> JSONValue {
        var json = adapters[0].config.json
        json["r"] = .int(newRank)
        json["lora_alpha"] = .int(newRank)
        json["target_modules"] = try mergedTargetModules().json
        json["rank_pattern"] = .object([])
        json["alpha_pattern"] = .object([])
        json["use_rslora"] = false
        json["peft_type"] = "LORA"
        json["inference_mode"] = true
        return json
    }

    /// Union of list targets, or `(t1)|(t2)|…` of regex targets; mixing both is an error (as in PEFT).
    func mergedTargetModules() throws -> TargetModules {
        let targets = adapters.map { $0.config.targetModules ?? .list(Set($0.modules.map { ModulePattern.leaf($0.path) }).sorted()) }
        return try MergedAdapterConfig.union(targets, key: "target_modules")
    }

    /// The modules that contribute to `path`, with their adapter's weight.
    func contributors(_ path: String) -> [(adapter: LoRAAdapter, module: LoRAModule, weight: Double)] {
        zip(adapters, options.weights).compactMap { a, w in a.module(path).map { (a, $0, w) } }
    }

    /// The merged module's shape (from the first contributor), checking all contributors agree.
    func template(_ path: String) throws -> LoRAModule {
        let cs = contributors(path)
        let first = cs[0].module
        for c in cs.dropFirst() where c.module.kind != first.kind || c.module.inFeatures != first.inFeatures
            || c.module.outFeatures != first.outFeatures || Array(c.module.aShape.dropFirst()) != Array(first.aShape.dropFirst()) {
            throw AlloyError(.mismatch, code: "adapter_mismatch",
                             "module \"\(path)\": \(cs[0].adapter.location) has a \(first.kind.rawValue) delta \(first.bShape)·\(first.aShape) but \(c.adapter.location) has \(c.module.kind.rawValue) \(c.module.bShape)·\(c.module.aShape)",
                             hint: "were the adapters trained on the same base model?")
        }
        return first
    }

    /// Tensor names and shapes of the merged module `path`.
    public func specs(_ path: String) throws -> (a: TensorSpec, b: TensorSpec) {
        let t = try template(path)
        let emb = t.kind == .embedding
        let aName = AdapterWriter.key(path, emb ? ".lora_embedding_A" : ".lora_A.weight")
        let bName = AdapterWriter.key(path, emb ? ".lora_embedding_B" : ".lora_B.weight")
        var aShape = t.aShape, bShape = t.bShape
        aShape[0] = newRank
        bShape[1] = newRank
        return (TensorSpec(name: aName, dtype: options.dtype, shape: aShape), TensorSpec(name: bName, dtype: options.dtype, shape: bShape))
    }

    // MARK: - Whole run

    /// Merges every module on `threads` workers and writes the adapter directory at `path`.
    @discardableResult
    public func write(to path: String, threads: Int = Parallel.defaultThreads,
                      progress: (@Sendable (String) -> Void)? = nil) throws -> JSONValue {
        var allSpecs: [TensorSpec] = []
        var pairs: [(String, TensorSpec, TensorSpec)] = []
        for p in modulePaths {
            let (a, b) = try specs(p)
            allSpecs += [a, b]
            pairs.append((p, a, b))
        }
        for name in baseCopies {
            let info = base!.info(name)!
            allSpecs.append(TensorSpec(name: LoRAAdapter.peftPrefix + name, dtype: info.dtype, shape: info.shape))
        }
        let config = try mergedConfig()
        let writer = try AdapterWriter(path: path, tensors: allSpecs)
        for name in baseCopies {
            try writer.write(LoRAAdapter.peftPrefix + name, values: try base!.tensor(name).values)
            base!.release(name)
        }
        // Parallelism is across modules; BLAS threads inside each would oversubscribe the cores.
        if threads > 1 { BLASRuntime.setThreads(1) }
        try Parallel.forEach(pairs.count, threads: threads) { i in
            let (p, aSpec, bSpec) = pairs[i]
            let (a, b) = try merge(p)
            try writer.write(aSpec.name, values: a)
            try writer.write(bSpec.name, values: b)
            for c in contributors(p) {
                c.adapter.store.release(c.module.aName)
                c.adapter.store.release(c.module.bName)
            }
            progress?(p)
        }
        try writer.finish(config: config)
        return config
    }
}
