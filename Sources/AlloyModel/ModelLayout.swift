/// Where a decoder-only model's tensors sit, inferred from tensor names and
/// `config.json` alone (no per-architecture table): tensors named
/// `PREFIX.N.SUFFIX` are layer `N`'s; the others come before the layers
/// (embeddings) or after them (final norm, LM head).
public struct ModelLayout: Sendable {
    /// A layer tensor's name split around its layer index.
    public struct LayerName: Sendable, Hashable {
        public var prefix: String
        public var index: Int
        public var suffix: String

        /// `prefix.index.suffix`.
        public func named(_ index: Int) -> String { "\(prefix).\(index).\(suffix)" }
    }

    /// The text before the layer index (`model.layers`), or nil for a model without layers.
    public let layerPrefix: String?
    /// Number of layers (from `config.json` when it says, else from the names).
    public let layerCount: Int
    /// Per-layer tensor suffixes, in the model's tensor order.
    public let layerSuffixes: [[String]]
    /// Tensors before the first layer, in the model's order.
    public let preLayer: [String]
    /// Tensors after the last layer, in the model's order.
    public let postLayer: [String]
    /// The input embedding matrix, if recognised.
    public let embedding: String?

    /// Infers the layout. `configLayerCount` is `config.json`'s layer count, if any.
    public init(names: [String], configLayerCount: Int?) {
        var parsed: [(String, LayerName?)] = names.map { ($0, ModelLayout.splitLayer($0)) }
        // The layer prefix is the one most tensors share (a decoder's `model.layers`).
        var counts: [String: Int] = [:]
        for case let (_, l?) in parsed { counts[l.prefix, default: 0] += 1 }
        let prefix = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        parsed = parsed.map { ($0.0, $0.1?.prefix == prefix ? $0.1 : nil) }
        let maxIndex = parsed.compactMap { $0.1?.index }.max()
        let count = configLayerCount ?? ((maxIndex ?? -1) + 1)
        var suffixes = [[String]](repeating: [], count: max(count, (maxIndex ?? -1) + 1))
        var pre: [String] = [], post: [String] = []
        for (name, layer) in parsed {
            if let layer {
                suffixes[layer.index].append(layer.suffix)
            } else if ModelLayout.isPreLayer(name) {
                pre.append(name)
            } else {
                post.append(name)
            }
        }
        layerPrefix = prefix
        layerCount = count
        layerSuffixes = suffixes
        preLayer = pre
        postLayer = post
        embedding = pre.first { ModelLayout.isEmbedding($0) }
    }

    /// Splits `model.layers.12.mlp.up_proj.weight` at its first numeric component.
    public static func splitLayer(_ name: String) -> LayerName? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        for i in 1..<max(parts.count - 1, 1) {
            if let n = Int(parts[i]), n >= 0, parts[i].allSatisfy(\.isASCII) {
                return LayerName(prefix: parts[..<i].joined(separator: "."), index: n,
                                 suffix: parts[(i + 1)...].joined(separator: "."))
            }
        }
        return nil
    }

    /// The input-embedding-like names that sit before the layers.
    static let embeddingMarkers = ["embed_tokens", "wte", "wpe", "word_embeddings", "tok_embeddings", "embed_in", "embeddings"]
    /// Output heads: embedding-like, after the layers, and tied to the input embedding when absent.
    static let headNames = ["lm_head.weight", "embed_out.weight", "output.weight"]

    /// True for tensors that belong before the first layer (embeddings).
    public static func isPreLayer(_ name: String) -> Bool {
        let components = name.split(separator: ".").map(String.init)
        return components.contains { c in embeddingMarkers.contains(c) || c.hasPrefix("embed") && !headNames.contains(name) }
    }

    /// True for tensors whose rows are vocabulary entries (input embeddings and LM heads).
    public static func isEmbedding(_ name: String) -> Bool {
        if isHead(name) { return true }
        let components = name.split(separator: ".").map(String.init)
        return components.contains { ["embed_tokens", "wte", "word_embeddings", "tok_embeddings", "embed_in"].contains($0) }
    }

    /// True for an output head that may be tied to the input embedding.
    public static func isHead(_ name: String) -> Bool {
        headNames.contains { name == $0 || name.hasSuffix("." + $0) }
    }
}
