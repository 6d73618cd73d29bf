/// One model taking part in a vocabulary merge.
public struct VocabularyInput: Sendable {
    /// How configurations and messages name the model.
    public var name: String
    /// Its tokenizer; nil when it has none (it is then treated as sharing the base's, as mergekit does).
    public var tokenizer: Tokenizer?
    /// `vocab_size` from its `config.json` (embedding rows); tokens with ids at or above it are ignored.
    public var configVocabSize: Int?

    public init(name: String, tokenizer: Tokenizer?, configVocabSize: Int?) {
        self.name = name
        self.tokenizer = tokenizer
        self.configVocabSize = configVocabSize
    }
}

/// Where the output vocabulary comes from (`tokenizer.source`).
public enum VocabularySource: Sendable {
    /// Every model's tokens: the base vocabulary plus the others' tokens as added tokens.
    case union
    /// The base model's vocabulary (without tokens beyond its embedding rows).
    case base
    /// The named model's tokenizer, unchanged.
    case model(String)
    /// A tokenizer from outside the merge (a `tokenizer.source` model that is not merged), unchanged.
    case external(Tokenizer)
}
