import AlloyFormat
import Foundation

/// The shape of a Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) as its
/// `config.json` describes it: what a forward pass needs to know.
///
/// Reads both spellings Transformers has used: `rope_theta` + `rope_scaling`
/// (v4) and `rope_parameters` (v5), `torch_dtype` and `dtype`.
public struct DecoderConfig: Sendable, Equatable {
    /// Model families whose decoder layers this forward pass implements.
    public static let supportedModelTypes: Set<String> = ["llama", "mistral", "qwen2", "qwen3"]

    public var modelType: String
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var hiddenAct: String
    public var tieWordEmbeddings: Bool
    /// Keys further back than this are masked (Mistral's sliding window), if set.
    public var slidingWindow: Int?
    public var rope: RopeParameters
    public var bosTokenId: Int?
    public var eosTokenId: Int?
    /// The stored weights' dtype (`torch_dtype` / `dtype`), if given.
    public var dtype: DType?

    /// Reads a model directory's `config.json`.
    public init(modelDirectory: String) throws {
        let path = (modelDirectory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw AlloyError(.io, code: "missing_config", "\(modelDirectory): has no config.json",
                             hint: "point at a Hugging Face model directory")
        }
        try self.init(json: try JSONFile.read(path), source: path)
    }

    /// Reads a parsed `config.json`; `source` names it in messages.
    public init(json: JSONValue, source: String) throws {
        func int(_ key: String) throws -> Int {
            guard let v = json[key]?.intValue else {
                throw AlloyError(.invalidData, code: "invalid_config", "\(source): \"\(key)\" is missing or not an integer")
            }
            return v
        }
        func optionalInt(_ key: String) -> Int? { json[key]?.intValue }
        modelType = json["model_type"]?.stringValue ?? ""
        hiddenSize = try int("hidden_size")
        intermediateSize = try int("intermediate_size")
        numLayers = try int("num_hidden_layers")
        numHeads = try int("num_attention_heads")
        numKeyValueHeads = optionalInt("num_key_value_heads") ?? numHeads
        headDim = optionalInt("head_dim") ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        rmsNormEps = Float(json["rms_norm_eps"]?.doubleValue ?? 1e-6)
        vocabSize = try int("vocab_size")
        maxPositionEmbeddings = optionalInt("max_position_embeddings") ?? 2048
        hiddenAct = json["hidden_act"]?.stringValue ?? "silu"
        tieWordEmbeddings = json["tie_word_embeddings"]?.boolValue ?? false
        let windowEnabled = json["use_sliding_window"]?.boolValue ?? true
        slidingWindow = windowEnabled ? optionalInt("sliding_window") : nil
        bosTokenId = optionalInt("bos_token_id")
        eosTokenId = optionalInt("eos_token_id") ?? json["eos_token_id"]?[0]?.intValue
        dtype = (json["dtype"]?.stringValue ?? json["torch_dtype"]?.stringValue).flatMap { DType(userName: $0) }
        guard hiddenSize > 0, numLayers >= 0, numHeads > 0, numKeyValueHeads > 0, headDim > 0,
              numHeads % numKeyValueHeads == 0 else {
            throw AlloyError(.invalidData, code: "invalid_config",
                             "\(source): inconsistent attention shape (\(numHeads) heads, \(numKeyValueHeads) key/value heads, head_dim \(headDim))")
        }
        rope = try RopeParameters(config: json, headDim: headDim, maxPositionEmbeddings: maxPositionEmbeddings, source: source)
    }

    /// Throws unless the forward pass can run this model.
    public func checkRunnable(source: String) throws {
        guard DecoderConfig.supportedModelTypes.contains(modelType) else {
            throw AlloyError(.unsupported, code: "unsupported_architecture",
                             "\(source): model_type \"\(modelType)\" has no forward pass in Alloy (supported: \(DecoderConfig.supportedModelTypes.sorted().joined(separator: ", ")))")
        }
        guard hiddenAct == "silu" || hiddenAct == "swish" else {
            throw AlloyError(.unsupported, code: "unsupported_activation",
                             "\(source): hidden_act \"\(hiddenAct)\" is not supported by the forward pass (only silu)")
        }
    }
}
