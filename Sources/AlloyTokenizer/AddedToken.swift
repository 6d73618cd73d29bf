import AlloyFormat
/// One entry of `tokenizer.json`'s `added_tokens`: a string matched verbatim in the
/// input before any other processing, with the flags Hugging Face `tokenizers` keeps.
public struct AddedToken: Sendable, Equatable {
    public var id: Int
    public var content: String
    /// Match only when not surrounded by word characters.
    public var singleWord: Bool
    /// Absorb whitespace on the left of a match.
    public var lstrip: Bool
    /// Absorb whitespace on the right of a match.
    public var rstrip: Bool
    /// Match against normalized text (true) or the raw input (false).
    public var normalized: Bool
    /// A special token (skipped when decoding with `skipSpecialTokens`).
    public var special: Bool

    public init(id: Int, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                normalized: Bool = false, special: Bool = true) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }

    /// Reads an `added_tokens` entry (`id` may be absent in `added_tokens_decoder` values).
    public init(json: JSONValue, id fallbackID: Int? = nil, file: String) throws {
        guard let content = json["content"]?.stringValue else {
            throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(file): an added token has no \"content\"")
        }
        guard let id = json["id"]?.intValue ?? fallbackID else {
            throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(file): added token \(content.debugDescription) has no id")
        }
        let special = json["special"]?.boolValue ?? false
        self.init(id: id, content: content,
                  singleWord: json["single_word"]?.boolValue ?? false,
                  lstrip: json["lstrip"]?.boolValue ?? false,
                  rstrip: json["rstrip"]?.boolValue ?? false,
                  normalized: json["normalized"]?.boolValue ?? !special,
                  special: special)
    }

    /// The flags without the id, as `tokenizer_config.json`'s `added_tokens_decoder` stores them.
    public var flagsJSON: JSONValue {
        .object([
            ("content", .string(content)), ("lstrip", .bool(lstrip)), ("normalized", .bool(normalized)),
            ("rstrip", .bool(rstrip)), ("single_word", .bool(singleWord)), ("special", .bool(special)),
        ])
    }

    /// The `tokenizer.json` form, keys in the order `tokenizers` writes them.
    public var json: JSONValue {
        .object([
            ("id", .int(id)), ("content", .string(content)), ("single_word", .bool(singleWord)),
            ("lstrip", .bool(lstrip)), ("rstrip", .bool(rstrip)), ("normalized", .bool(normalized)),
            ("special", .bool(special)),
        ])
    }

    /// Same content and flags, ignoring the id.
    public func sameDefinition(as other: AddedToken) -> Bool {
        content.utf8.elementsEqual(other.content.utf8) && singleWord == other.singleWord && lstrip == other.lstrip
            && rstrip == other.rstrip && normalized == other.normalized && special == other.special
    }
}
