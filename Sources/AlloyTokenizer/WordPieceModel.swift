import AlloyFormat
/// BERT's WordPiece: greedy longest-match-first with a continuation prefix;
/// a word with any unmatchable part becomes the unknown token.
struct WordPieceModel: Sendable {
    let vocab: [[UInt8]: Int]
    let unkID: Int?
    let prefix: String
    let maxInputCharsPerWord: Int

    init(json model: JSONValue, file: String) throws {
        guard let members = model["vocab"]?.objectValue else { throw AlloyError.tokenizer(file, "WordPiece model has no vocab object") }
        var vocab: [[UInt8]: Int] = [:]
        for (t, id) in members {
            guard let i = id.intValue else { throw AlloyError.tokenizer(file, "vocab entry \(t.debugDescription) has no integer id") }
            vocab[t.bytes] = i
        }
        self.vocab = vocab
        unkID = model["unk_token"]?.stringValue.flatMap { vocab[$0.bytes] }
        prefix = model["continuing_subword_prefix"]?.stringValue ?? "##"
        maxInputCharsPerWord = model["max_input_chars_per_word"]?.intValue ?? 100
    }

    func tokenize(_ word: String) -> [Int] {
        let unk = unkID.map { [$0] } ?? []
        let scalars = Array(word.unicodeScalars)
        if scalars.count > maxInputCharsPerWord { return unk }
        var out: [Int] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = prefix + piece }
                if let id = vocab[piece.bytes] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return unk }
            out.append(id)
            start = end
        }
        return out
    }
}

/// A plain word → id table with an unknown token.
struct WordLevelModel: Sendable {
    let vocab: [[UInt8]: Int]
    let unkID: Int?

    init(json model: JSONValue, file: String) throws {
        guard let members = model["vocab"]?.objectValue else { throw AlloyError.tokenizer(file, "WordLevel model has no vocab object") }
        var vocab: [[UInt8]: Int] = [:]
        for (t, id) in members {
            guard let i = id.intValue else { throw AlloyError.tokenizer(file, "vocab entry \(t.debugDescription) has no integer id") }
            vocab[t.bytes] = i
        }
        self.vocab = vocab
        unkID = model["unk_token"]?.stringValue.flatMap { vocab[$0.bytes] }
    }

    func tokenize(_ word: String) -> [Int] {
        if let id = vocab[word.bytes] { return [id] }
        return unkID.map { [$0] } ?? []
    }
}
