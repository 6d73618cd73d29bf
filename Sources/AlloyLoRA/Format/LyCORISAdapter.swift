import AlloyMath
import AlloyFormat
import Foundation

/// A PEFT LoHa (`peft_type: LOHA`) or LoKr (`LOKR`) adapter: per module, factors whose
/// product is an additive weight change `ΔW`, with scaling `alpha / r` (no rsLoRA).
///
/// - LoHa: `ΔW = ((w1a·w1b) ⊙ (w2a·w2b))·s`; with CP factors (`hada_t1`, `hada_t2`, convs)
///   each product is rebuilt as `Σ_ij t[i,j,…]·w_a[i,p]·w_b[j,r]`.
/// - LoKr: `ΔW = kron(W1, W2)·s`, `W1` = `lokr_w1` or `lokr_w1_a·lokr_w1_b`, `W2` =
///   `lokr_w2`, `lokr_w2_a·lokr_w2_b`, or the CP rebuild of `lokr_t2` with them.
///
/// `ΔW` is reshaped (row-major) to the base weight's shape, as PEFT does.
public final class LyCORISAdapter: @unchecked Sendable {
    /// One adapted module.
    public struct Module: Sendable, Equatable {
        public var path: String
        /// Factor tensors by PEFT's parameter name (`hada_w1_a`, `lokr_w2`, …) → store name.
        public var factors: [String: String]
        /// `r` and `alpha` after `rank_pattern` / `alpha_pattern`, and `alpha / r`.
        public var rank: Int
        public var alpha: Double
        public var scaling: Double
        public var baseWeightName: String { path + ".weight" }
    }

    /// PEFT's parameter names for each kind.
    static let parameterNames: [PEFTAdapterKind: Set<String>] = [
        .loha: ["hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1", "hada_t2"],
        .lokr: ["lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2"],
    ]

    public let location: String
    public let kind: PEFTAdapterKind
    public let config: AdapterConfig
    public let store: TensorStore
    public let modules: [Module]
    public let extraTensors: [(baseName: String, storeName: String)]
    private let byWeight: [String: Int]

    /// Opens a PEFT LoHa or LoKr adapter directory.
    public convenience init(path: String) throws {
        let kind = try PEFTAdapterKind.of(path)
        let (config, store) = try PEFTAdapterFiles.open(path, kind: kind)
        try self.init(location: path, store: store, config: config)
    }

    /// Groups the store's tensors into modules and checks each has a complete set of factors.
    public init(location: String, store: TensorStore, config: AdapterConfig) throws {
        guard let kind = PEFTAdapterKind(rawValue: config.peftType), let known = LyCORISAdapter.parameterNames[kind] else {
            throw AlloyError(.unsupported, code: "unsupported_adapter", "\(config.location): peft_type is \(config.peftType), not LOHA or LOKR")
        }
        if config.json["use_rslora"]?.boolValue == true {
            throw AlloyError(.unsupported, code: "unsupported_adapter", "\(config.location): use_rslora is not defined for \(kind.displayName)")
        }
        self.location = location
        self.kind = kind
        self.config = config
        self.store = store
        var factors: [String: [String: String]] = [:]
        var extras: [(String, String)] = []
        let prefix = kind == .loha ? "hada_" : "lokr_"
        for name in store.names {
            let stripped = PEFTAdapterFiles.stripPrefix(name)
            let parts = stripped.split(separator: ".").map(String.init)
            // PEFT saves ParameterDict entries as `<module>.<param>`; accept a trailing `.weight` too.
            let param = parts.last == "weight" && parts.count > 1 ? parts[parts.count - 2] : (parts.last ?? "")
            if known.contains(param) {
                let path = parts.prefix(upTo: parts.count - (parts.last == "weight" ? 2 : 1)).joined(separator: ".")
                factors[path, default: [:]][param] = name
            } else if param.hasPrefix(prefix) || param.hasPrefix("hada_") || param.hasPrefix("lokr_") {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(location): tensor \"\(name)\" is not a \(kind.displayName) factor Alloy knows (\(known.sorted().joined(separator: ", ")))")
            } else {
                extras.append((stripped, name))
            }
        }
        var modules: [Module] = []
        for (path, f) in factors {
            let missing: [String]
            switch kind {
            case .loha:
                missing = ["hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b"].filter { f[$0] == nil }
                    + ((f["hada_t1"] == nil) != (f["hada_t2"] == nil) ? [f["hada_t1"] == nil ? "hada_t1" : "hada_t2"] : [])
            default:
                missing = (f["lokr_w1"] != nil ? [] : ["lokr_w1_a", "lokr_w1_b"].filter { f[$0] == nil })
                    + (f["lokr_w2"] != nil ? [] : ["lokr_w2_a", "lokr_w2_b"].filter { f[$0] == nil })
            }
            guard missing.isEmpty else {
                throw AlloyError(.invalidData, code: "incomplete_adapter_module",
                                 "\(location): module \"\(path)\" has no \(missing.joined(separator: ", ")) tensor")
            }
            let r = config.rank(for: path), alpha = config.lycorisAlpha(for: path)
            modules.append(Module(path: path, factors: f, rank: r, alpha: alpha, scaling: alpha / Double(r)))
        }
        self.modules = modules.sorted { $0.path < $1.path }
        extraTensors = extras.sorted { $0.0 < $1.0 }
        byWeight = Dictionary(self.modules.enumerated().map { ($1.baseWeightName, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The module adapting `path`, if any.
    public func module(_ path: String) -> Module? { byWeight[path + ".weight"].map { modules[$0] } }

    /// The shape `ΔW` has before it is reshaped to the base weight.
    public func deltaShape(_ m: Module) throws -> [Int] {
        func shape(_ p: String) -> [Int] { store.info(m.factors[p]!)!.shape }
        func product(_ a: String, _ b: String, cp t: String?) throws -> [Int] {
            let sa = shape(a), sb = shape(b)
            if let t {
                let st = shape(t)
                guard sa.count == 2, sb.count == 2, st.count >= 2, st[0] == sa[0], st[1] == sb[0] else {
                    throw mismatch(m, "\(t) \(st), \(a) \(sa) and \(b) \(sb) do not combine")
                }
                return [sa[1], sb[1]] + st.dropFirst(2)
            }
            guard sa.count == 2, sb.count >= 2, sa[1] == sb[0] else { throw mismatch(m, "\(a) \(sa) and \(b) \(sb) do not multiply") }
            return [sa[0]] + sb.dropFirst()
        }
        switch kind {
        case .loha:
            let s1 = try product("hada_w1_a", "hada_w1_b", cp: m.factors["hada_t1"] == nil ? nil : "hada_t1")
            let s2 = try product("hada_w2_a", "hada_w2_b", cp: m.factors["hada_t2"] == nil ? nil : "hada_t2")
            guard s1 == s2 else { throw mismatch(m, "the two Hadamard factors have shapes \(s1) and \(s2)") }
            return s1
        default:
            let s1 = m.factors["lokr_w1"] != nil ? shape("lokr_w1") : try product("lokr_w1_a", "lokr_w1_b", cp: nil)
            let s2 = m.factors["lokr_w2"] != nil ? shape("lokr_w2")
                : try product("lokr_w2_a", "lokr_w2_b", cp: m.factors["lokr_t2"] == nil ? nil : "lokr_t2")
            let (a, b) = Kronecker.alignedShapes(s1, s2)
            return zip(a, b).map { $0 * $1 }
        }
    }

    /// `ΔW · multiplier` (row-major, `deltaShape` order) for module `m`.
    public func delta(_ m: Module, multiplier: Double = 1) throws -> [Float] {
        func t(_ p: String) throws -> Tensor {
            var x = try store.tensor(m.factors[p]!)
            x.shape = store.info(m.factors[p]!)!.shape
            return x
        }
        func product(_ a: String, _ b: String, cp: String?) throws -> Tensor {
            let ta = try t(a), tb = try t(b)
            if let cp { return LyCORISMath.cpRebuild(try t(cp), a: ta, b: tb) }
            let cols = tb.shape.dropFirst().reduce(1, *)
            let v = Linalg.matmul(ta.values, rows: ta.shape[0], cols: ta.shape[1], tb.values, rows: tb.shape[0], cols: cols)
            return Tensor(shape: [ta.shape[0]] + tb.shape.dropFirst(), values: v)
        }
        // PEFT multiplies by a float32 scale tensor: round the scaling to Float first.
        let s = Float(m.scaling), mult = Float(multiplier)
        var out: [Float]
        switch kind {
        case .loha:
            let p1 = try product("hada_w1_a", "hada_w1_b", cp: m.factors["hada_t1"] == nil ? nil : "hada_t1")
            let p2 = try product("hada_w2_a", "hada_w2_b", cp: m.factors["hada_t2"] == nil ? nil : "hada_t2")
            out = p1.values
            for i in out.indices { out[i] = (out[i] * p2.values[i]) * s }
        default:
            let w1 = m.factors["lokr_w1"] != nil ? try t("lokr_w1") : try product("lokr_w1_a", "lokr_w1_b", cp: nil)
            let w2 = m.factors["lokr_w2"] != nil ? try t("lokr_w2")
                : try product("lokr_w2_a", "lokr_w2_b", cp: m.factors["lokr_t2"] == nil ? nil : "lokr_t2")
            out = Kronecker.product(w1, w2).values
            for i in out.indices { out[i] *= s }
        }
        if multiplier != 1 { for i in out.indices { out[i] *= mult } }
        return out
    }

    func mismatch(_ m: Module, _ what: String) -> AlloyError {
        AlloyError(.invalidData, code: "adapter_shape_mismatch", "\(location): module \"\(m.path)\": \(what)")
    }
}

/// LoHa's and LoKr's fold (PEFT's `LycorisLayer.merge`): `W ← W + ΔW`, the float32 delta
/// added to the weight (one rounding, by the writer).
extension LyCORISAdapter: FoldableAdapter {
    public var peftType: String { kind.rawValue }
    public var moduleCount: Int { modules.count }

    public func foldedTensors(in base: TensorSource, multiplier: Double) throws -> Set<String> {
        for m in modules {
            guard let info = base.info(m.baseWeightName) else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(location): adapts module \"\(m.path)\", but \(base.location) has no tensor \"\(m.baseWeightName)\"",
                                 hint: "is this adapter for this base model? (adapter_config.json says \(config.baseModel ?? "nothing"))")
            }
            let shape = try deltaShape(m)
            guard shape.reduce(1, *) == info.elementCount, shape.first == info.shape.first else {
                throw AlloyError(.mismatch, code: "adapter_shape_mismatch",
                                 "\(location): module \"\(m.path)\" makes a \(kind.displayName) delta of shape \(shape), which does not fit \(m.baseWeightName) \(info.shape) in \(base.location)",
                                 hint: "is this adapter for this base model? (adapter_config.json says \(config.baseModel ?? "nothing"))")
            }
        }
        return Set(modules.map(\.baseWeightName))
    }

    public func fold(_ name: String, from base: TensorSource, multiplier: Double) throws -> Tensor {
        var w = try base.tensor(name)
        guard let i = byWeight[name] else { return w }
        LoRADelta.add(try delta(modules[i], multiplier: multiplier), into: &w.values)
        return w
    }

    public func releaseFactors(of name: String) {
        guard let i = byWeight[name] else { return }
        for s in modules[i].factors.values { store.release(s) }
    }
}
