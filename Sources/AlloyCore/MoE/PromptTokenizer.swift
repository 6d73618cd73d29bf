/// How prompts become token ids for the gates, as mergekit-moe tokenizes them:
/// the BOS token's text is prefixed to each prompt, which is then encoded
/// without adding special tokens; batches are left-padded with the BOS id
/// (the EOS id when there is no BOS).
public struct PromptTokenizer: Sendable {
    /// Text put before every prompt (the BOS token, or empty).
    public let prefix: String
    /// Id used for padding.
    public let padId: Int
    /// The text encoder (no special tokens added).
    public let encode: @Sendable (String) throws -> [Int]

    public init(prefix: String, padId: Int, encode: @escaping @Sendable (String) throws -> [Int]) {
        self.prefix = prefix
        self.padId = padId
        self.encode = encode
    }

    /// The ids of one prompt.
    public func tokenize(_ prompt: String) throws -> [Int] { try encode(prefix + prompt) }

    /// The positive and negative prompts of every expert, tokenized.
    public func tokenize(_ experts: [MoEExpert]) throws -> [ExpertPrompts] {
        try experts.map {
            ExpertPrompts(positive: try $0.positivePrompts.map(tokenize), negative: try $0.negativePrompts.map(tokenize))
        }
    }
}
