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

    /// The dtype key the config uses: `torch_dtype` (transformers 4) or `dtype` (transformers 5).
    public var dtypeKey: String { json["torch_dtype"] != nil ? "torch_dtype" : (json["dtype"] != nil ? "dtype" : "torch_dtype") }

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
}
