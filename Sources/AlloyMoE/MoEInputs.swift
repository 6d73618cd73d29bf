import AlloyFormat
import AlloyModel
import Foundation

/// One input model: its directory, `config.json` (raw and parsed) and tensors.
public final class MoEInputModel: @unchecked Sendable {
    public let reference: ModelReference
    public let directory: String
    public let rawConfig: JSONValue
    public let config: DecoderConfig
    public let store: TensorStore
    /// The scratch copy holding `store` for a `model+adapter` reference.
    private let folded: MoEFoldedModel?

    init(_ reference: ModelReference, key: String) throws {
        self.reference = reference
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reference.path, isDirectory: &isDir), isDir.boolValue else {
            throw AlloyError(.io, code: "model_not_found", "\(key): \"\(reference.path)\" is not a local model directory",
                             hint: "download Hub models first (e.g. huggingface-cli download) and give the directory")
        }
        directory = reference.path
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw AlloyError(.io, code: "missing_config", "\(key): \(directory) has no config.json")
        }
        rawConfig = try JSONFile.read(configPath)
        config = try DecoderConfig(json: rawConfig, source: configPath)
        if reference.adapter != nil {
            let f = try MoEFoldedModel(reference, key: key)
            folded = f
            store = f.store
        } else {
            folded = nil
            store = try TensorStore(path: directory)
        }
    }

    /// `model.layers.L.mlp.<projection>.weight`.
    static func mlpName(layer: Int, _ projection: String) -> String { "model.layers.\(layer).mlp.\(projection).weight" }
}

/// Every model of a configuration, opened once each and checked against the base
/// before any heavy work: same architecture and hidden size, enough layers, equal
/// expert widths, and every MLP tensor present with the shape `config.json` implies.
public final class MoEInputs: @unchecked Sendable {
    public let base: MoEInputModel
    /// One entry per expert (models named twice are opened once and shared).
    public let experts: [MoEInputModel]
    public let sharedExperts: [MoEInputModel]

    public init(_ config: MoEConfig, file: String) throws {
        var opened: [String: MoEInputModel] = [:]
        func open(_ r: ModelReference, _ key: String) throws -> MoEInputModel {
            let canonical = r.identity
            if let m = opened[canonical] { return m }
            let m = try MoEInputModel(r, key: key)
            opened[canonical] = m
            return m
        }
        base = try open(config.baseModel, "\(file): base_model")
        experts = try config.experts.enumerated().map { try open($1.sourceModel, "\(file): experts[\($0)].source_model") }
        sharedExperts = try config.sharedExperts.enumerated().map {
            try open($1.sourceModel, "\(file): shared_experts[\($0)].source_model")
        }
        try check(file: file)
    }

    /// `model_type` of base, experts and shared experts, in that order.
    public var modelTypes: [String] { ([base] + experts + sharedExperts).map(\.config.modelType) }

    /// The experts' MLP width (all equal, checked).
    public var expertIntermediateSize: Int { experts[0].config.intermediateSize }

    func check(file: String) throws {
        let b = base.config
        for (list, key) in [(experts, "experts"), (sharedExperts, "shared_experts")] {
            for (i, m) in list.enumerated() {
                let where_ = "\(file): \(key)[\(i)].source_model (\(m.directory))"
                if m.config.modelType != b.modelType {
                    throw AlloyError(.mismatch, code: "architecture_mismatch",
                                     "\(where_): model_type \(m.config.modelType) differs from the base model's \(b.modelType)",
                                     hint: "experts must share the base model's architecture")
                }
                if m.config.hiddenSize != b.hiddenSize {
                    throw AlloyError(.mismatch, code: "hidden_size_mismatch",
                                     "\(where_): hidden_size \(m.config.hiddenSize) differs from the base model's \(b.hiddenSize)")
                }
                if m.config.numLayers < b.numLayers {
                    throw AlloyError(.mismatch, code: "layer_count_mismatch",
                                     "\(where_): has \(m.config.numLayers) layers, the base model has \(b.numLayers)")
                }
                try checkMLP(m, key: where_)
            }
        }
        if let i = experts.firstIndex(where: { $0.config.intermediateSize != expertIntermediateSize }) {
            throw AlloyError(.mismatch, code: "expert_size_mismatch",
                             "\(file): experts[\(i)] has intermediate_size \(experts[i].config.intermediateSize), experts[0] has \(expertIntermediateSize)",
                             hint: "all routed experts of a MoE layer have the same width")
        }
        for name in ["model.embed_tokens.weight", "model.norm.weight"] where !base.store.contains(name) {
            throw AlloyError(.mismatch, code: "missing_tensor", "\(base.store.location): has no tensor \"\(name)\"")
        }
        if !base.store.contains("lm_head.weight") && !b.tieWordEmbeddings {
            throw AlloyError(.mismatch, code: "missing_tensor",
                             "\(base.store.location): has no lm_head.weight and config.json does not tie it to the embeddings")
        }
    }

    func checkMLP(_ m: MoEInputModel, key: String) throws {
        let h = m.config.hiddenSize, i = m.config.intermediateSize
        for layer in 0..<base.config.numLayers {
            for (proj, shape) in [("gate_proj", [i, h]), ("up_proj", [i, h]), ("down_proj", [h, i])] {
                let name = MoEInputModel.mlpName(layer: layer, proj)
                guard let info = m.store.info(name) else {
                    throw AlloyError(.mismatch, code: "missing_tensor", "\(key): has no tensor \"\(name)\"")
                }
                guard info.shape == shape, info.dtype.isDecodable, info.dtype.isFloatingPoint else {
                    throw AlloyError(.mismatch, code: "shape_mismatch",
                                     "\(key): \(name) is \(info.dtype.rawValue) \(info.shape), config.json implies a float \(shape)")
                }
            }
            let biasName = "model.layers.\(layer).mlp.gate_proj.bias"
            if m.store.contains(biasName) {
                throw AlloyError(.unsupported, code: "mlp_bias",
                                 "\(key): has MLP biases (\(biasName)), which no MoE output family can hold")
            }
        }
    }
}
