import AlloyFormat
import AlloyTokenizer
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

extension PromptTokenizer {
    /// The base model's own tokenizer (`tokenizer.json`), set up as mergekit-moe
    /// sets it up: BOS text as the prompt prefix, pad id = BOS id (else EOS id).
    public init(modelDirectory: String) throws {
        let tokenizer = try Tokenizer(directory: modelDirectory)
        let special = tokenizer.specialTokens
        let padToken = special.bos ?? special.eos
        guard let padToken, let padId = tokenizer.id(for: padToken) else {
            throw AlloyError(.unsupported, code: "no_pad_token",
                             "\(modelDirectory): the tokenizer has neither a BOS nor an EOS token to pad prompts with")
        }
        self.init(prefix: special.bos ?? "", padId: padId) { tokenizer.encode($0, addSpecialTokens: false) }
    }
}
