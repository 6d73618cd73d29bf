import AlloyFormat
import AlloyModel
import Foundation
import Yams

/// How router (gate) weights are made.
public enum GateMode: String, Sendable, CaseIterable {
    /// Base-model hidden states of each expert's prompts, last token (`hidden` = `hidden_last`).
    case hidden, hiddenLast = "hidden_last"
    /// Base-model hidden states averaged over all positions.
    case hiddenAverage = "hidden_avg"
    /// Sums of the prompts' token embeddings, the same for every layer.
    case cheapEmbed = "cheap_embed"
    /// N(0, 1) draws.
    case random
    /// U(−1/√H, 1/√H), PyTorch's `Linear` initialisation.
    case uniformRandom = "uniform_random"

    /// True for the modes that need prompts.
    public var needsPrompts: Bool { self != .random && self != .uniformRandom }
    /// True for the modes that run the base model.
    public var runsModel: Bool { self == .hidden || self == .hiddenLast || self == .hiddenAverage }
}

/// One expert (or shared expert) of a mergekit-moe configuration.
public struct MoEExpert: Sendable, Equatable {
    public var sourceModel: ModelReference
    public var positivePrompts: [String]
    public var negativePrompts: [String]
    /// Standard deviation of Gaussian noise added to this expert's MLP weights.
    public var noiseScale: Double?
    /// Factor applied to this expert's `down_proj`.
    public var residualScale: Double?
}

/// A mergekit-moe YAML configuration, with mergekit's defaults:
/// `gate_mode: hidden`, `experts_per_token: 2`, dtype from the base model.
public struct MoEConfig: Sendable {
    public var baseModel: ModelReference
    public var experts: [MoEExpert]
    public var gateMode: GateMode
    /// `dtype`, if given.
    public var dtype: DType?
    public var expertsPerToken: Int
    public var sharedExperts: [MoEExpert]
    /// `architecture`, a case-insensitive prefix of an output family's name.
    public var architecture: String?
    /// Top-level keys mergekit-moe does not know (it ignores them; Alloy warns).
    public var unknownKeys: [String]
    /// The configuration text as read.
    public var source: String

    /// Parses configuration text; `file` names it in messages.
    public init(yaml text: String, file: String) throws {
        source = text
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw AlloyError(.config, code: "invalid_yaml", "\(file): not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        guard let root = loaded as? [String: Any] else {
            throw AlloyError(.config, code: "invalid_config", "\(file): the configuration must be a mapping of keys")
        }
        let known: Set<String> = ["base_model", "experts", "gate_mode", "dtype", "experts_per_token", "shared_experts", "architecture"]
        unknownKeys = root.keys.filter { !known.contains($0) }.sorted()
        guard let base = root["base_model"] else {
            throw AlloyError.config("\(file): base_model", "is required")
        }
        baseModel = try MoEConfig.reference(base, key: "\(file): base_model")
        guard let list = root["experts"] as? [Any], !list.isEmpty else {
            throw AlloyError.config("\(file): experts", "must be a non-empty list of experts")
        }
        experts = try list.enumerated().map { try MoEConfig.expert($1, key: "\(file): experts[\($0)]") }
        if let shared = root["shared_experts"], !(shared is NSNull) {
            guard let sharedList = shared as? [Any] else {
                throw AlloyError.config("\(file): shared_experts", "must be a list of experts")
            }
            sharedExperts = try sharedList.enumerated().map { try MoEConfig.expert($1, key: "\(file): shared_experts[\($0)]") }
        } else {
            sharedExperts = []
        }
        let modeName = try MoEConfig.string(root["gate_mode"], key: "\(file): gate_mode") ?? "hidden"
        guard let mode = GateMode(rawValue: modeName) else {
            throw AlloyError.config("\(file): gate_mode", "unknown gate mode \"\(modeName)\"",
                                    hint: "use one of: " + GateMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        gateMode = mode
        if let name = try MoEConfig.string(root["dtype"], key: "\(file): dtype") {
            guard let d = DType(userName: name), [.BF16, .F16, .F32].contains(d) else {
                throw AlloyError.config("\(file): dtype", "unknown dtype \"\(name)\"", hint: "use bfloat16, float16 or float32")
            }
            dtype = d
        }
        if let n = root["experts_per_token"], !(n is NSNull) {
            guard let v = n as? Int else { throw AlloyError.config("\(file): experts_per_token", "must be an integer") }
            expertsPerToken = v
        } else {
            expertsPerToken = 2
        }
        architecture = try MoEConfig.string(root["architecture"], key: "\(file): architecture")
    }

    /// Reads and parses a configuration file.
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw AlloyError.io(file, "cannot read the configuration")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), file: file)
    }

    /// Every model the configuration names: base, experts, shared experts (in that order, duplicates kept).
    public var allModels: [ModelReference] {
        [baseModel] + experts.map(\.sourceModel) + sharedExperts.map(\.sourceModel)
    }

    // MARK: - Field readers

    static func string(_ value: Any?, key: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        if let s = value as? String { return s }
        throw AlloyError.config(key, "must be a string")
    }

    static func reference(_ value: Any, key: String) throws -> ModelReference {
        if let s = value as? String {
            // `model+adapter` (mergekit's form): the adapter is folded in before assembly.
            if s.contains("+") && !FileManager.default.fileExists(atPath: s) { return try ModelReference(parsing: s, key: key) }
            return ModelReference(path: s)
        }
        if let object = value as? [String: Any] {
            var reference: ModelReference?
            if let model = object["model"] as? [String: Any], let p = model["path"] as? String { reference = ModelReference(path: p) }
            if let p = object["model"] as? String { reference = ModelReference(path: p) }
            if let p = object["path"] as? String { reference = ModelReference(path: p) }
            if var r = reference {
                if let lora = object["lora"] as? [String: Any], let p = lora["path"] as? String { r.adapter = p }
                if let p = object["lora"] as? String { r.adapter = p }
                return r
            }
        }
        throw AlloyError.config(key, "must be a model path")
    }

    static func prompts(_ value: Any?, key: String) throws -> [String] {
        guard let value, !(value is NSNull) else { return [] }
        if let list = value as? [Any] {
            return try list.enumerated().map { i, p in
                if let s = p as? String { return s }
                if p is Int || p is Double || p is Bool { return String(describing: p) }
                throw AlloyError.config("\(key)[\(i)]", "must be a string")
            }
        }
        throw AlloyError.config(key, "must be a list of strings")
    }

    static func number(_ value: Any?, key: String) throws -> Double? {
        guard let value, !(value is NSNull) else { return nil }
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        throw AlloyError.config(key, "must be a number")
    }

    static func expert(_ value: Any, key: String) throws -> MoEExpert {
        guard let object = value as? [String: Any] else { throw AlloyError.config(key, "must be a mapping with source_model") }
        guard let source = object["source_model"] else { throw AlloyError.config("\(key).source_model", "is required") }
        return MoEExpert(sourceModel: try reference(source, key: "\(key).source_model"),
                         positivePrompts: try prompts(object["positive_prompts"], key: "\(key).positive_prompts"),
                         negativePrompts: try prompts(object["negative_prompts"], key: "\(key).negative_prompts"),
                         noiseScale: try number(object["noise_scale"], key: "\(key).noise_scale"),
                         residualScale: try number(object["residual_scale"], key: "\(key).residual_scale"))
    }
}
