import AlloyFormat
import Foundation

/// A LoRA adapter read from disk: a PEFT adapter directory (`adapter_config.json` +
/// `adapter_model.safetensors`), a bare PEFT safetensors file, or a kohya-style file
/// (`lora_down` / `lora_up` / `alpha`).
///
/// Only headers are read at open; factors are decoded on demand with `tensor(_:)`.
public final class LoRAAdapter: @unchecked Sendable {
    /// On-disk layouts Alloy reads.
    public enum Format: String, Sendable { case peft, kohya }

    /// Prefix PEFT puts before every module path.
    public static let peftPrefix = "base_model.model."

    public let location: String
    public let format: Format
    /// The configuration (a default one, `r` from the tensors, for files that have none).
    public let config: AdapterConfig
    /// The tensors.
    public let store: TensorStore
    /// Adapted modules in stable (name) order.
    public private(set) var modules: [LoRAModule]
    /// Tensors that are not LoRA factors (`modules_to_save` copies, saved embeddings), by
    /// their name in the base model (prefix removed) → name in the store.
    public private(set) var extraTensors: [(baseName: String, storeName: String)]
    private var byPath: [String: Int]
    /// kohya stems whose module paths are not known yet (resolved against a base model).
    private var unresolvedKohya: Bool

    /// Opens an adapter directory or file.
    public convenience init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AlloyError.io(path, "no such adapter directory or file")
        }
        var config: AdapterConfig?
        var weights = path
        if isDirectory.boolValue {
            let configPath = (path as NSString).appendingPathComponent("adapter_config.json")
            if FileManager.default.fileExists(atPath: configPath) { config = try AdapterConfig.read(configPath) }
            let st = (path as NSString).appendingPathComponent("adapter_model.safetensors")
            if FileManager.default.fileExists(atPath: st) {
                weights = st
            } else if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("adapter_model.bin")) {
                throw AlloyError(.unsupported, code: "pickle_adapter", "\(path): holds adapter_model.bin (a PyTorch pickle)",
                                 hint: "re-save the adapter with safetensors (PeftModel.save_pretrained(..., safe_serialization=True))")
            }
        }
        let store = try TensorStore(path: weights)
        try self.init(location: path, store: store, config: config)
    }

    /// Builds the module list from a store's tensor names.
    public init(location: String, store: TensorStore, config: AdapterConfig?) throws {
        self.location = location
        self.store = store
        let isKohya = store.names.contains { $0.hasSuffix(".lora_down.weight") }
        format = isKohya ? .kohya : .peft
        var modules: [LoRAModule] = []
        var extras: [(String, String)] = []
        if isKohya {
            (modules, extras) = try LoRAAdapter.kohyaModules(store, location: location)
            unresolvedKohya = true
        } else {
            (modules, extras) = try LoRAAdapter.peftModules(store, config: config, location: location)
            unresolvedKohya = false
        }
        if let config {
            self.config = config
        } else {
            let r = modules.map(\.rank).max() ?? 8
            let json: JSONValue = .object([("peft_type", "LORA"), ("r", .int(r)), ("lora_alpha", .int(r)),
                                           ("target_modules", .array(Set(modules.map { ModulePattern.leaf($0.path) }).sorted().map { .string($0) }))])
            self.config = AdapterConfig(json: json, location: location)
        }
        self.modules = modules.sorted { $0.path < $1.path }
        self.extraTensors = extras.sorted { $0.0 < $1.0 }
        byPath = Dictionary(self.modules.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The module adapting `path`, if any.
    public func module(_ path: String) -> LoRAModule? { byPath[path].map { modules[$0] } }

    /// The module adapting base tensor `weightName` (`….weight`), if any.
    public func module(forWeight weightName: String) -> LoRAModule? {
        guard weightName.hasSuffix(".weight") else { return nil }
        return module(String(weightName.dropLast(7)))
    }

    /// Decodes one of the adapter's tensors.
    public func tensor(_ name: String) throws -> Tensor { try store.tensor(name) }

    /// Dtype of the first module's `A` factor (PEFT casts element-wise merges to it).
    public var factorDType: DType { modules.first.flatMap { store.info($0.aName)?.dtype } ?? .F32 }

    /// Checks every module has a weight in `base` with a shape its factors fit, and,
    /// for kohya files, maps the underscore-joined names onto the base's module paths.
    public func bind(to base: TensorSource) throws {
        if unresolvedKohya { try resolveKohyaNames(base.names) }
        for m in modules {
            guard let info = base.info(m.baseWeightName) else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(location): adapts module \"\(m.path)\", but \(base.location) has no tensor \"\(m.baseWeightName)\"",
                                 hint: "is this adapter for this base model? (adapter_config.json says \(config.baseModel ?? "nothing"))")
            }
            let expected = LoRADelta.weightShape(of: m, fanInFanOut: config.fanInFanOut, baseShape: info.shape)
            guard info.shape.reduce(1, *) == m.inFeatures * m.outFeatures, expected == info.shape else {
                throw AlloyError(.mismatch, code: "adapter_shape_mismatch",
                                 "\(location): module \"\(m.path)\" has factors \(m.bShape)·\(m.aShape), which do not fit \(m.baseWeightName) \(info.shape) in \(base.location)",
                                 hint: "is this adapter for this base model? (adapter_config.json says \(config.baseModel ?? "nothing"))")
            }
        }
    }

    /// Replaces the module list once kohya names are resolved.
    func setResolvedModules(_ m: [LoRAModule]) {
        modules = m
        byPath = Dictionary(m.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        unresolvedKohya = false
    }

    /// True for kohya files whose module paths still need a base model to resolve.
    public var needsBaseForNames: Bool { unresolvedKohya }

    // MARK: - PEFT names

    static func peftModules(_ store: TensorStore, config: AdapterConfig?, location: String) throws
        -> ([LoRAModule], [(String, String)])
    {
        struct Parts { var a: String?; var b: String?; var bias: String?; var embedding = false }
        var parts: [String: Parts] = [:]
        var extras: [(String, String)] = []
        let suffixes: [(String, WritableKeyPath<Parts, String?>, Bool)] = [
            (".lora_A.weight", \.a, false), (".lora_B.weight", \.b, false), (".lora_B.bias", \.bias, false),
            (".lora_embedding_A", \.a, true), (".lora_embedding_B", \.b, true),
        ]
        for name in store.names {
            let stripped = name.hasPrefix(peftPrefix) ? String(name.dropFirst(peftPrefix.count)) : name
            if stripped.contains("lora_magnitude_vector") {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(location): tensor \"\(name)\" is a DoRA magnitude vector; DoRA adapters are not supported")
            }
            if let (suffix, key, emb) = suffixes.first(where: { stripped.hasSuffix($0.0) }) {
                let path = String(stripped.dropLast(suffix.count))
                parts[path, default: Parts()][keyPath: key] = name
                if emb { parts[path]!.embedding = true }
            } else if let kind = PEFTAdapterKind.kind(ofTensor: stripped), kind != .lora {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(location): tensor \"\(name)\" belongs to \(kind.withArticle) adapter, which is read through its adapter_config.json",
                                 hint: "give the PEFT adapter directory with its adapter_config.json (peft_type \(kind.rawValue))")
            } else if stripped.contains(".lora_") {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(location): tensor \"\(name)\" is not a LoRA factor Alloy knows (lora_A/lora_B/lora_embedding_A/B)")
            } else {
                extras.append((stripped, name))
            }
        }
        var modules: [LoRAModule] = []
        for (path, p) in parts {
            guard let a = p.a, let b = p.b else {
                throw AlloyError(.invalidData, code: "incomplete_lora_module",
                                 "\(location): module \"\(path)\" has \(p.a == nil ? "no lora_A" : "no lora_B") tensor")
            }
            let aShape = store.info(a)!.shape, bShape = store.info(b)!.shape
            guard aShape.count >= 2, bShape.count >= 2, bShape[1] == aShape[0],
                  bShape.dropFirst(2).allSatisfy({ $0 == 1 }) else {
                throw AlloyError(.invalidData, code: "lora_shape_mismatch",
                                 "\(location): module \"\(path)\": lora_B \(bShape) and lora_A \(aShape) do not multiply")
            }
            let kind: LoRAModule.Kind = p.embedding ? .embedding : (aShape.count > 2 ? .conv : .linear)
            let configRank = config?.rank(for: path) ?? aShape[0]
            let alpha = config?.alpha(for: path) ?? Double(aShape[0])
            let scaling = AdapterConfig.scaling(alpha: alpha, rank: configRank, rsLoRA: config?.useRSLoRA ?? false)
            modules.append(LoRAModule(path: path, kind: kind, aName: a, bName: b, biasName: p.bias, aShape: aShape,
                                      bShape: bShape, configRank: configRank, alpha: alpha, scaling: scaling))
        }
        return (modules, extras)
    }
}
