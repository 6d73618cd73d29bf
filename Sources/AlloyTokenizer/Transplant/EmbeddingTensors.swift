import AlloyFormat
/// Finds a checkpoint's input embedding and LM head among its tensor names.
public enum EmbeddingTensors {
    /// Input-embedding names of the architectures Alloy knows, most common first.
    public static let embeddingNames = [
        "model.embed_tokens.weight", "transformer.wte.weight", "model.tok_embeddings.weight",
        "transformer.word_embeddings.weight", "gpt_neox.embed_in.weight", "model.embeddings.weight",
        "transformer.embedding.word_embeddings.weight", "model.language_model.embed_tokens.weight",
        "language_model.model.embed_tokens.weight", "embed_tokens.weight", "tok_embeddings.weight", "wte.weight",
    ]
    /// LM-head names, most common first.
    public static let headNames = [
        "lm_head.weight", "embed_out.weight", "output.weight", "transformer.output_layer.weight",
        "language_model.lm_head.weight", "model.lm_head.weight",
    ]

    /// The input embedding's name: a known name, else the only 2-D tensor whose name
    /// ends in `embed_tokens.weight`.
    public static func embedding(in source: TensorSource) -> String? {
        find(embeddingNames, suffix: "embed_tokens.weight", in: source)
    }

    /// The LM head's name, or nil for a model with tied embeddings and no head tensor.
    public static func head(in source: TensorSource) -> String? {
        find(headNames, suffix: "lm_head.weight", in: source)
    }

    static func find(_ known: [String], suffix: String, in source: TensorSource) -> String? {
        if let name = known.first(where: { source.info($0)?.shape.count == 2 }) { return name }
        let matches = source.names.filter { $0.hasSuffix(suffix) && source.info($0)?.shape.count == 2 }
        return matches.count == 1 ? matches[0] : nil
    }
}
