/// One adapted module of a LoRA adapter: where its factors are and how they scale.
public struct LoRAModule: Sendable, Equatable {
    /// The layer type the factors belong to, which decides the delta's orientation.
    public enum Kind: String, Sendable {
        /// `nn.Linear` (or GPT-2 `Conv1D` with fan_in_fan_out): `A` is `r × in`, `B` is `out × r`.
        case linear
        /// `nn.Embedding`: `A` is `r × vocab`, `B` is `dim × r`, the delta is `(B·A)ᵀ`.
        case embedding
        /// `nn.Conv*`: `A` is `(r, C_in, k…)`, `B` is `(C_out, r, 1…)`.
        case conv
    }

    /// The module's path in the base model (`model.layers.0.self_attn.q_proj`).
    public var path: String
    public var kind: Kind
    /// Tensor names of the factors (and of `lora_B`'s bias) in the adapter's store.
    public var aName: String
    public var bName: String
    public var biasName: String?
    public var aShape: [Int]
    public var bShape: [Int]
    /// The rank the configuration gives this module (used for the scaling, as PEFT does).
    public var configRank: Int
    public var alpha: Double
    /// The factor multiplying `B·A`.
    public var scaling: Double

    /// The stored rank (`A`'s first dimension).
    public var rank: Int { aShape[0] }
    /// Columns of `A` flattened: the base weight's input size (`C_in·∏k` for convs, vocab for embeddings).
    public var inFeatures: Int { aShape.dropFirst().reduce(1, *) }
    /// Rows of `B`: the base weight's output size (embedding dim for embeddings).
    public var outFeatures: Int { bShape[0] }

    /// The base model tensor this module adapts.
    public var baseWeightName: String { path + ".weight" }
    public var baseBiasName: String { path + ".bias" }
}
