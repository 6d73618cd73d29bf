import AlloyFormat
import Foundation

/// A PEFT (IA)³ adapter (`peft_type: IA3`): one learned vector `ia3_l` per module, which
/// scales the module's outputs, or its inputs for `feedforward_modules`.
///
/// Stored shapes: `(n_out, 1)` for output scaling and `(1, n_in)` for input scaling on
/// linear layers; `(1, C, 1, …)` on conv layers.
public final class IA3Adapter: @unchecked Sendable {
    /// One scaled module.
    public struct Module: Sendable, Equatable {
        /// The module's path in the base model.
        public var path: String
        /// The `ia3_l` tensor's name in the store.
        public var name: String
        public var shape: [Int]
        /// True when the vector scales the module's inputs (a feed-forward module).
        public var isFeedforward: Bool
        /// The vector's length.
        public var count: Int { shape.reduce(1, *) }
        public var baseWeightName: String { path + ".weight" }
        public var baseBiasName: String { path + ".bias" }
    }

    public let location: String
    public let config: AdapterConfig
    public let store: TensorStore
    /// Scaled modules in path order.
    public let modules: [Module]
    public let extraTensors: [(baseName: String, storeName: String)]
    private let byWeight: [String: Int]
    private let byBias: [String: Int]

    /// Opens a PEFT (IA)³ adapter directory.
    public convenience init(path: String) throws {
        let (config, store) = try PEFTAdapterFiles.open(path, kind: .ia3)
        try self.init(location: path, store: store, config: config)
    }

    /// Reads the modules from the tensor names; `config` says which are feed-forward.
    public init(location: String, store: TensorStore, config: AdapterConfig) throws {
        guard config.peftType == "IA3" else {
            throw AlloyError(.unsupported, code: "unsupported_adapter", "\(config.location): peft_type is \(config.peftType), not IA3")
        }
        self.location = location
        self.config = config
        self.store = store
        var modules: [Module] = []
        var extras: [(String, String)] = []
        for name in store.names {
            let stripped = PEFTAdapterFiles.stripPrefix(name)
            guard stripped.hasSuffix(".ia3_l") else {
                extras.append((stripped, name))
                continue
            }
            let path = String(stripped.dropLast(6))
            let shape = store.info(name)!.shape
            let ff = config.isFeedforward(path)
            let nonUnit = shape.enumerated().filter { $0.element != 1 }.map(\.offset)
            // PEFT's layouts: linear (n,1) / (1,n); conv (1,n,1,…); a length-1 vector fits both.
            let fits = shape.count >= 2 && nonUnit.count <= 1
                && (nonUnit.first.map { shape.count == 2 ? $0 == (ff ? 1 : 0) : $0 == 1 } ?? true)
            guard fits else {
                throw AlloyError(.invalidData, code: "ia3_shape_mismatch",
                                 "\(location): tensor \"\(name)\" has shape \(shape), which is not an (IA)³ vector for a \(ff ? "feed-forward (input-scaling)" : "output-scaling") module",
                                 hint: "check feedforward_modules in adapter_config.json (\(ff ? "it names" : "it does not name") \"\(path)\")")
            }
            modules.append(Module(path: path, name: name, shape: shape, isFeedforward: ff))
        }
        self.modules = modules.sorted { $0.path < $1.path }
        extraTensors = extras.sorted { $0.0 < $1.0 }
        byWeight = Dictionary(self.modules.enumerated().map { ($1.baseWeightName, $0) }, uniquingKeysWith: { a, _ in a })
        byBias = Dictionary(self.modules.enumerated().filter { !$0.element.isFeedforward }.map { ($1.baseBiasName, $0) },
                            uniquingKeysWith: { a, _ in a })
    }

    /// The module scaling `path`, if any.
    public func module(_ path: String) -> Module? { byWeight[path + ".weight"].map { modules[$0] } }

    /// The axis of the base weight `l` scales: 0 (output rows) for output scaling, 1
    /// (input columns) for feed-forward modules; swapped for fan_in_fan_out linear weights,
    /// which are stored `in × out`.
    public func scaledAxis(_ m: Module, weightRank: Int) -> Int {
        let axis = m.isFeedforward ? 1 : 0
        return config.fanInFanOut && weightRank == 2 ? 1 - axis : axis
    }

    /// `W ⊙ l` with `l` broadcast along `axis` of `shape` (row-major), in place.
    public static func scale(_ w: inout [Float], shape: [Int], axis: Int, by l: [Float]) {
        let inner = shape.dropFirst(axis + 1).reduce(1, *)
        let n = shape[axis]
        precondition(l.count == n && w.count % (n * inner) == 0)
        w.withUnsafeMutableBufferPointer { o in
            l.withUnsafeBufferPointer { v in
                var i = 0
                while i < o.count {
                    for k in 0..<n {
                        let s = v[k]
                        for j in 0..<inner { o[i + j] *= s }
                        i += inner
                    }
                }
            }
        }
    }
}

/// (IA)³'s fold (PEFT's `IA3Layer.merge`): `W ← W ⊙ l` on the output rows (and the bias)
/// for output-scaling modules, on the input columns for feed-forward ones; fan_in_fan_out
/// transposes `l`. In `Float`; the writer rounds once to the base's dtype, as PEFT's
/// `torch.mul(W, l).to(W.dtype)` does.
extension IA3Adapter: FoldableAdapter {
    public var peftType: String { "IA3" }
    public var moduleCount: Int { modules.count }

    public func foldedTensors(in base: TensorSource, multiplier: Double) throws -> Set<String> {
        guard multiplier == 1 else {
            throw AlloyError(.unsupported, code: "unsupported_scale",
                             "\(location): an (IA)³ adapter multiplies weights by its vectors; there is no delta to scale by \(multiplier)",
                             hint: "drop --scale (it applies to LoRA, LoHa and LoKr adapters)")
        }
        var names = Set<String>()
        for m in modules {
            guard let info = base.info(m.baseWeightName) else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(location): scales module \"\(m.path)\", but \(base.location) has no tensor \"\(m.baseWeightName)\"",
                                 hint: "is this adapter for this base model? (adapter_config.json says \(config.baseModel ?? "nothing"))")
            }
            let axis = scaledAxis(m, weightRank: info.shape.count)
            guard info.shape.count >= 2, info.shape[axis] == m.count else {
                throw AlloyError(.mismatch, code: "adapter_shape_mismatch",
                                 "\(location): module \"\(m.path)\" has an (IA)³ vector of \(m.count) values for its \(axis == 0 ? "rows" : "columns"), which does not fit \(m.baseWeightName) \(info.shape) in \(base.location)",
                                 hint: "is this adapter for this base model, and are its feedforward_modules right?")
            }
            names.insert(m.baseWeightName)
            if !m.isFeedforward, let b = base.info(m.baseBiasName) {
                guard b.elementCount == m.count else {
                    throw AlloyError(.mismatch, code: "adapter_shape_mismatch",
                                     "\(location): module \"\(m.path)\" has an (IA)³ vector of \(m.count) values, which does not fit \(m.baseBiasName) \(b.shape)")
                }
                names.insert(m.baseBiasName)
            }
        }
        return names
    }

    public func fold(_ name: String, from base: TensorSource, multiplier: Double) throws -> Tensor {
        if let i = byWeight[name] {
            let m = modules[i]
            var w = try base.tensor(name)
            IA3Adapter.scale(&w.values, shape: w.shape, axis: scaledAxis(m, weightRank: w.shape.count),
                             by: try store.tensor(m.name).values)
            return w
        }
        guard let i = byBias[name] else { return try base.tensor(name) }
        var b = try base.tensor(name)
        let l = try store.tensor(modules[i].name).values
        for k in b.values.indices { b.values[k] *= l[k] }
        return b
    }

    public func releaseFactors(of name: String) {
        if let i = byWeight[name] ?? byBias[name] { store.release(modules[i].name) }
    }
}
