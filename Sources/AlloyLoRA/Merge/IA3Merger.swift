import AlloyFormat
import Foundation

/// Combines (IA)³ adapters into one, as PEFT's `IA3Model.add_weighted_adapter` does, from
/// the adapter files alone.
///
/// Per module, `l = Σ w_i·l_i` over the adapters that scale that module: PEFT zeroes the new
/// vector and adds only the adapters present, so a module only some adapters scale ends up
/// with `Σ_present w_i·l_i` (e.g. `0.4·l`), which shrinks activations; those modules are
/// reported in `partialModules`. With `missingAsIdentity`, an absent adapter counts as its
/// neutral vector of ones instead (Alloy's option; not PEFT's result).
///
/// The merged config is adapter 0's with `target_modules` and `feedforward_modules` each
/// unioned (set union of lists, or `(a)|(b)` of regexes).
public final class IA3Merger: @unchecked Sendable {
    public let adapters: [IA3Adapter]
    public let weights: [Double]
    public let missingAsIdentity: Bool
    /// Dtype of the merged vectors: PEFT's is the base model's (float32 when loaded so).
    public let dtype: DType
    /// Module paths of the merged adapter.
    public let modulePaths: [String]
    /// Modules some adapters do not scale, in path order.
    public let partialModules: [String]
    /// Base tensors copied into the merged adapter for adapter 0's `modules_to_save`.
    public let baseCopies: [String]
    public let base: TensorSource?
    /// Things the caller should tell the user.
    public private(set) var warnings: [String] = []

    /// Validates the adapters the way PEFT does, with clearer messages.
    public init(adapters: [IA3Adapter], weights: [Double], missingAsIdentity: Bool = false, dtype: DType = .F32,
                base: TensorSource? = nil) throws {
        guard !adapters.isEmpty else { throw AlloyError.config("adapters", "give at least one adapter") }
        guard weights.count == adapters.count else {
            throw AlloyError.config("--weights", "has \(weights.count) values for \(adapters.count) adapters",
                                    hint: "give one weight per adapter, in the same order")
        }
        for (a, w) in zip(adapters, weights) where !w.isFinite {
            throw AlloyError.config("--weights", "weight \(w) for \(a.location) is not a finite number")
        }
        self.adapters = adapters
        self.weights = weights
        self.missingAsIdentity = missingAsIdentity
        self.dtype = dtype
        self.base = base
        let fifo = adapters[0].config.fanInFanOut
        for a in adapters.dropFirst() where a.config.fanInFanOut != fifo {
            throw AlloyError(.mismatch, code: "config_mismatch",
                             "\(a.location): fan_in_fan_out is \(a.config.fanInFanOut) but \(adapters[0].location) has \(fifo)")
        }
        baseCopies = try MergedAdapterConfig.baseCopies(saved: adapters.map { ($0.location, $0.extraTensors.map(\.baseName)) },
                                                        wanted: adapters[0].config.modulesToSave, base: base)
        let paths = Set(adapters.flatMap { $0.modules.map(\.path) }).sorted()
        modulePaths = paths
        // Every contributor of a module must scale the same axis with a vector of the same shape.
        for p in paths {
            let ms = adapters.compactMap { a in a.module(p).map { (a, $0) } }
            for (a, m) in ms.dropFirst() where m.shape != ms[0].1.shape || m.isFeedforward != ms[0].1.isFeedforward {
                throw AlloyError(.mismatch, code: "adapter_mismatch",
                                 "module \"\(p)\": \(ms[0].0.location) has an (IA)³ vector \(ms[0].1.shape)\(ms[0].1.isFeedforward ? " (feed-forward)" : "") but \(a.location) has \(m.shape)\(m.isFeedforward ? " (feed-forward)" : "")",
                                 hint: "were the adapters trained on the same base model with the same feedforward_modules?")
            }
        }
        partialModules = adapters.count > 1 ? paths.filter { p in adapters.contains { $0.module(p) == nil } } : []
        if !partialModules.isEmpty {
            let shown = partialModules.prefix(8).joined(separator: ", ")
            let more = partialModules.count > 8 ? " and \(partialModules.count - 8) more" : ""
            if missingAsIdentity {
                warnings.append("\(partialModules.count) module(s) are scaled by only some adapters (\(shown)\(more)); --ia3-missing-as-identity counts each absent adapter as ones (PEFT would count it as zeros)")
            } else {
                warnings.append("\(partialModules.count) module(s) are scaled by only some adapters (\(shown)\(more)); as in PEFT, they get Σ w·l of the adapters present (absent ones count as 0), which shrinks those activations; pass --ia3-missing-as-identity to count absent adapters as ones")
            }
        }
        if Set(adapters.compactMap { $0.config.baseModel.map { ($0 as NSString).standardizingPath } }).count > 1 {
            warnings.append("the adapters name different base models (\(adapters.compactMap { $0.config.baseModel }.joined(separator: ", ")))")
        }
        _ = try mergedConfig()
    }

    /// The merged adapter's config: adapter 0's with the unioned module lists.
    public func mergedConfig() throws -> JSONValue {
        var json = adapters[0].config.json
        func field(_ a: IA3Adapter, _ f: TargetModules?) -> TargetModules { f ?? .list([]) }
        let targets = adapters.map { a in a.config.targetModules ?? .list(Set(a.modules.map { ModulePattern.leaf($0.path) }).sorted()) }
        json["target_modules"] = try MergedAdapterConfig.union(targets, key: "target_modules").json
        json["feedforward_modules"] = try MergedAdapterConfig.union(adapters.map { field($0, $0.config.feedforwardModules) },
                                                                    key: "feedforward_modules").json
        json["peft_type"] = "IA3"
        json["inference_mode"] = true
        return json
    }

    /// The merged vector of module `path`: `Σ w_i·l_i` over the adapters present, in
    /// adapter order, in `Float` (PEFT adds `l_i·w_i` to a zeroed buffer). The buffer has
    /// the merged adapter's dtype, as PEFT's has the base model's: with a 16-bit `dtype`
    /// each addition is rounded to it.
    public func merge(_ path: String) throws -> [Float] {
        guard let shape = adapters.lazy.compactMap({ $0.module(path)?.shape }).first else {
            throw AlloyError(.mismatch, code: "adapter_mismatch", "module \"\(path)\": no adapter scales it")
        }
        var l = [Float](repeating: 0, count: shape.reduce(1, *))
        for (a, w) in zip(adapters, weights) {
            let fw = Float(w)
            if let m = a.module(path) {
                let v = try a.store.tensor(m.name).values
                for k in l.indices { l[k] += v[k] * fw }
            } else if missingAsIdentity {
                for k in l.indices { l[k] += fw }
            } else {
                continue
            }
            if dtype != .F32 { ElementCodec.roundTrip(&l, through: dtype) }
        }
        return l
    }

    /// Merges every module and writes the adapter directory at `path` in PEFT's layout.
    @discardableResult
    public func write(to path: String, progress: (@Sendable (String) -> Void)? = nil) throws -> JSONValue {
        var specs: [TensorSpec] = []
        for p in modulePaths {
            let shape = adapters.lazy.compactMap { $0.module(p)?.shape }.first!
            specs.append(TensorSpec(name: AdapterWriter.key(p, ".ia3_l"), dtype: dtype, shape: shape))
        }
        for name in baseCopies {
            let info = base!.info(name)!
            specs.append(TensorSpec(name: LoRAAdapter.peftPrefix + name, dtype: info.dtype, shape: info.shape))
        }
        let config = try mergedConfig()
        let writer = try AdapterWriter(path: path, tensors: specs)
        for name in baseCopies {
            try writer.write(LoRAAdapter.peftPrefix + name, values: try base!.tensor(name).values)
            base!.release(name)
        }
        for p in modulePaths {
            try writer.write(AdapterWriter.key(p, ".ia3_l"), values: try merge(p))
            for a in adapters { if let m = a.module(p) { a.store.release(m.name) } }
            progress?(p)
        }
        try writer.finish(config: config)
        return config
    }
}
