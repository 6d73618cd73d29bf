import AlloyFormat
extension AlloyError {
    /// A malformed or unsupported `tokenizer.json` component.
    static func tokenizer(_ file: String, _ what: String) -> AlloyError {
        AlloyError(.invalidData, code: "invalid_tokenizer", "\(file): \(what)")
    }

    static func unsupportedTokenizer(_ file: String, _ what: String) -> AlloyError {
        AlloyError(.unsupported, code: "unsupported_tokenizer", "\(file): \(what)",
                   hint: "Alloy reads tokenizer.json models BPE, Unigram, WordPiece and WordLevel with the standard components")
    }
}
