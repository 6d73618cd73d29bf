import AlloyFormat
import Foundation

/// A model's `config.json`, kept as an order-preserving `JSONValue` so that a
/// merged model's config differs from its donor's only in the fields changed.
public struct ModelConfig: Sendable {
    public var json: JSONValue

    public init(json: JSONValue) { self.json = json }

    /// Reads `DIR/config.json`.
    public static func read(directory: String) throws -> ModelConfig {
        let path = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw AlloyError(.io, code: "missing_config", "\(directory): has no config.json",
                             hint: "a model directory needs the config.json it was saved with")
        }
        let json = try JSONFile.read(path)
        guard json.objectValue != nil else {
            throw AlloyError(.invalidData, code: "invalid_config_json", "\(path): is not a JSON object")
        }
        return ModelConfig(json: json)
    }

    /// Keys that hold the layer count, in the order they are looked for.
    static let layerCountKeys = ["num_hidden_layers", "n_layer", "num_layers", "n_layers"]

    /// The dotted key that holds the layer count (`num_hidden_layers`, `text_config.num_hidden_layers`), if any.
    public var layerCountKey: String? {
        for k in ModelConfig.layerCountKeys where json[k]?.intValue != nil { return k }
        for k in ModelConfig.layerCountKeys where json["text_config"]?[k]?.intValue != nil { return "text_config.\(k)" }
        return nil
    }

    /// The layer count, if the config says.
    public var layerCount: Int? { layerCountKey.flatMap { value(at: $0)?.intValue } }

    /// `architectures[0]`.
    public var architecture: String? { json["architectures"]?[0]?.stringValue }
    public var modelType: String? { json["model_type"]?.stringValue }
    public var vocabSize: Int? { json["vocab_size"]?.intValue ?? json["text_config"]?["vocab_size"]?.intValue }

    /// The dtype keys the config uses: `torch_dtype` (transformers 4) and/or `dtype` (transformers 5);
    /// `torch_dtype` when it has neither.
    public var dtypeKeys: [String] {
        let present = ["torch_dtype", "dtype"].filter { json[$0] != nil }
        return present.isEmpty ? ["torch_dtype"] : present
    }

    /// The value at a dotted key path.
    public func value(at dotted: String) -> JSONValue? {
        var v: JSONValue? = json
        for part in dotted.split(separator: ".") { v = v?[String(part)] }
        return v
    }

    /// Sets the value at a dotted key path (the parents must exist, else the key is added at the top).
    public mutating func set(_ dotted: String, _ newValue: JSONValue) {
        let parts = dotted.split(separator: ".").map(String.init)
        json = ModelConfig.setting(json, parts[...], newValue)
    }

    static func setting(_ object: JSONValue, _ path: ArraySlice<String>, _ newValue: JSONValue) -> JSONValue {
        guard let first = path.first else { return newValue }
        var copy = object
        let child = object[first] ?? .object([])
        copy[first] = path.count == 1 ? newValue : setting(child, path.dropFirst(), newValue)
        return copy
    }

    /// Marks the output's embeddings tied when no LM head is written although some input had
    /// one (a head the merge method dropped), so that loaders reuse the input embedding
    /// instead of initialising a random head. Leaves the config alone otherwise.
    public mutating func tieEmbeddingsIfHeadless(wroteHead: Bool, inputsHadHead: Bool) {
        guard !wroteHead, inputsHadHead else { return }
        let key = json["tie_word_embeddings"] == nil && json["text_config"]?["tie_word_embeddings"] != nil
            ? "text_config.tie_word_embeddings" : "tie_word_embeddings"
        if value(at: key)?.boolValue != true { set(key, .bool(true)) }
    }

    /// Dotted keys of lists with one entry per layer (`layer_types`, `no_rope_layers`): lists
    /// whose length is the layer count and whose key names per-layer values.
    public var perLayerListKeys: [String] {
        guard let countKey = layerCountKey, let count = layerCount else { return [] }
        let parent = countKey.contains(".") ? String(countKey.split(separator: ".")[0]) : nil
        let object = parent.map { json[$0] } ?? json
        guard let entries = object?.objectValue else { return [] }
        return entries.compactMap { key, value in
            guard key.hasSuffix("layer_types") || key.hasSuffix("_layers"), value.arrayValue?.count == count else { return nil }
            return parent.map { "\($0).\(key)" } ?? key
        }
    }

    /// Rebuilds every per-layer list for output layers made from `origins` (each output layer's
    /// source model config and layer index), so a frankenmerge's `layer_types` match its layers.
    /// A source without the list (or too short) contributes this config's entry at that index, if any.
    public mutating func rebuildPerLayerLists(origins: [(config: ModelConfig, layer: Int)]) {
        for key in perLayerListKeys {
            let own = value(at: key)?.arrayValue ?? []
            var rebuilt: [JSONValue] = []
            for (source, layer) in origins {
                if let list = source.value(at: key)?.arrayValue, layer < list.count {
                    rebuilt.append(list[layer])
                } else if layer < own.count {
                    rebuilt.append(own[layer])
                } else {
                    return  // nothing to take this layer's entry from: leave the list as the donor has it
                }
            }
            set(key, .array(rebuilt))
        }
    }
}
