import AlloyFormat
/// The algorithm of a `tokenizer.json` model.
public enum TokenizerModelType: String, Sendable {
    case bpe = "BPE"
    case unigram = "Unigram"
    case wordPiece = "WordPiece"
    case wordLevel = "WordLevel"
}

/// The word-level tokenization step of the pipeline.
enum TokenizerModel: Sendable {
    case bpe(BPEModel)
    case unigram(UnigramModel)
    case wordPiece(WordPieceModel)
    case wordLevel(WordLevelModel)

    static func parse(_ json: JSONValue?, file: String) throws -> TokenizerModel {
        guard let json, let type = json["type"]?.stringValue ?? inferType(json) else {
            throw AlloyError.tokenizer(file, "no \"model\" with a type")
        }
        switch type {
        case "BPE": return .bpe(try BPEModel(json: json, file: file))
        case "Unigram": return .unigram(try UnigramModel(json: json, file: file))
        case "WordPiece": return .wordPiece(try WordPieceModel(json: json, file: file))
        case "WordLevel": return .wordLevel(try WordLevelModel(json: json, file: file))
        default: throw AlloyError.unsupportedTokenizer(file, "model type \(type) is not supported")
        }
    }

    /// Old files omit `type`; `tokenizers` tells the models apart by their fields.
    private static func inferType(_ json: JSONValue) -> String? {
        if json["merges"] != nil { return "BPE" }
        if json["vocab"]?.arrayValue != nil { return "Unigram" }
        if json["continuing_subword_prefix"] != nil || json["max_input_chars_per_word"] != nil { return "WordPiece" }
        if json["vocab"] != nil { return "WordLevel" }
        return nil
    }

    var type: TokenizerModelType {
        switch self {
        case .bpe: return .bpe
        case .unigram: return .unigram
        case .wordPiece: return .wordPiece
        case .wordLevel: return .wordLevel
        }
    }

    func tokenize(_ word: String) -> [Int] {
        switch self {
        case .bpe(let m): return m.tokenize(word)
        case .unigram(let m): return m.tokenize(word)
        case .wordPiece(let m): return m.tokenize(word)
        case .wordLevel(let m): return m.tokenize(word)
        }
    }

    /// The model's own vocabulary, in id order where ids are unique.
    func vocabulary() -> [(token: String, id: Int)] {
        let pairs: [([UInt8], Int)]
        switch self {
        case .bpe(let m): pairs = m.vocab.map { ($0.key, $0.value) }
        case .unigram(let m): pairs = m.pieces.enumerated().map { ($0.element.token, $0.offset) }
        case .wordPiece(let m): pairs = m.vocab.map { ($0.key, $0.value) }
        case .wordLevel(let m): pairs = m.vocab.map { ($0.key, $0.value) }
        }
        return pairs.map { (String(decoding: $0.0, as: UTF8.self), $0.1) }.sorted { $0.1 < $1.1 }
    }
}
