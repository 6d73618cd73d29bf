import AlloyFormat
import Foundation

/// A tokenizer's vocabulary as the transplant sees it: every token (regular and
/// added) with its id, normalized so that tokens of two different tokenizers can be
/// matched (see `NormalizedToken`).
///
/// Read from a model directory's `tokenizer.json` (the fast-tokenizer file), with the
/// special tokens' roles from `tokenizer_config.json` and `special_tokens_map.json`.
public struct TransplantVocabulary: Sendable {
    /// One token.
    public struct Entry: Sendable {
        public let id: Int
        /// The token as the vocabulary spells it.
        public let literal: String
        public let normalized: NormalizedToken
    }

    /// The directory read.
    public let directory: String
    /// Every token, by ascending id.
    public let entries: [Entry]
    /// Normalized token → id.
    public let ids: [NormalizedToken: Int]
    /// The word-start marker used for normalization (`Ġ` or `▁`).
    public let wordStartMarker: String
    /// True for byte-level tokenizers (GPT-2 style), whose token strings spell bytes.
    public let isByteLevel: Bool

    /// The special-token roles, in the order that decides which role a token shared
    /// by several roles gets (the first).
    public static let specialRoles = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads the tokenizer in `directory`.
    public init(directory: String) throws {
        self.directory = directory
        let path = (directory as NSString).appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw AlloyError(.unsupported, code: "no_tokenizer_json", "\(directory): has no tokenizer.json",
                             hint: "only fast tokenizers are supported; save the tokenizer with transformers to create tokenizer.json")
        }
        let json = try JSONFile.read(path)
        let raw = try TransplantVocabulary.rawVocabulary(json, path: path)
        let roles = TransplantVocabulary.specialTokenRoles(directory: directory)
        let marker = TransplantVocabulary.wordStartMarker(json, vocabulary: raw, directory: directory)
        wordStartMarker = marker.marker
        isByteLevel = marker.byteLevel

        var entries: [Entry] = []
        var ids: [NormalizedToken: Int] = [:]
        for (id, literal) in raw.sorted(by: { $0.key < $1.key }) {
            let normalized = NormalizedToken(literal, wordStartMarker: marker.marker, specialRoles: roles)
            entries.append(Entry(id: id, literal: literal, normalized: normalized))
            ids[normalized] = id
        }
        self.entries = entries
        self.ids = ids
    }

    /// Number of tokens.
    public var count: Int { entries.count }
    /// The highest token id, or -1 when empty.
    public var maxID: Int { entries.last?.id ?? -1 }

    /// A view restricted to the tokens `keep` accepts (used by the Magikarp filter).
    public func filtered(_ keep: (Entry) -> Bool) -> TransplantVocabulary {
        TransplantVocabulary(directory: directory, entries: entries.filter(keep),
                             wordStartMarker: wordStartMarker, isByteLevel: isByteLevel)
    }

    init(directory: String, entries: [Entry], wordStartMarker: String, isByteLevel: Bool) {
        self.directory = directory
        self.entries = entries
        var ids: [NormalizedToken: Int] = [:]
        for e in entries { ids[e.normalized] = e.id }
        self.ids = ids
        self.wordStartMarker = wordStartMarker
        self.isByteLevel = isByteLevel
    }

    /// The text a token stands for: the word-start marker becomes a space, byte-level
    /// spellings are decoded to their bytes (when those form valid UTF-8), and special
    /// tokens are their literal content.
    public func text(of entry: Entry) -> String {
        var literal = entry.literal
        if case .special = entry.normalized { return literal }
        if case .wordStart(let rest) = entry.normalized, !isByteLevel { literal = " " + rest }
        guard isByteLevel else { return literal }
        var bytes: [UInt8] = []
        for scalar in literal.unicodeScalars {
            guard let b = ByteLevelAlphabet.scalarToByte[scalar.value] else { return literal }
            bytes.append(b)
        }
        return String(validating: bytes, as: UTF8.self) ?? literal
    }

    // MARK: - Reading

    /// id → token string: the model's vocabulary, then the added tokens (which win on a clash).
    static func rawVocabulary(_ json: JSONValue, path: String) throws -> [Int: String] {
        guard let model = json["model"] else {
            throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(path): has no \"model\" object")
        }
        var byID: [Int: String] = [:]
        switch model["vocab"] {
        case .object(let members)?:
            for (token, value) in members {
                guard let id = value.intValue, id >= 0 else {
                    throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(path): model.vocab[\"\(token)\"] is not a token id")
                }
                byID[id] = token
            }
        case .array(let pieces)?:  // Unigram: [[piece, score], ...], id = position
            for (id, piece) in pieces.enumerated() {
                guard let token = piece[0]?.stringValue else {
                    throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(path): model.vocab[\(id)] is not a [piece, score] pair")
                }
                byID[id] = token
            }
        default:
            throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(path): model.vocab is missing or not a vocabulary")
        }
        for (i, added) in (json["added_tokens"]?.arrayValue ?? []).enumerated() {
            guard let id = added["id"]?.intValue, id >= 0, let content = added["content"]?.stringValue else {
                throw AlloyError(.invalidData, code: "invalid_tokenizer", "\(path): added_tokens[\(i)] needs an \"id\" and a \"content\"")
            }
            byID[id] = content
        }
        return byID
    }

    /// content → role for the tokenizer's named special tokens.
    static func specialTokenRoles(directory: String) -> [String: String] {
        var byRole: [String: String] = [:]
        for file in ["tokenizer_config.json", "special_tokens_map.json"] {
            let path = (directory as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path), let json = try? JSONFile.read(path) else { continue }
            for role in specialRoles {
                switch json[role] {
                case .string(let s)?: byRole[role] = s
                case .object?: if let s = json[role]?["content"]?.stringValue { byRole[role] = s }
                default: break
                }
            }
        }
        var roles: [String: String] = [:]
        for role in specialRoles {
            if let content = byRole[role], roles[content] == nil { roles[content] = role }
        }
        return roles
    }

    /// The word-start marker, from the tokenizer's pipeline: byte-level → `Ġ`,
    /// Metaspace or a `▁` replacement → that character; otherwise the rule mergekit
    /// applies by tokenizer class (SentencePiece-style classes `▁` unless the vocabulary
    /// has `Ġhello`, anything else `Ġ`).
    static func wordStartMarker(_ json: JSONValue, vocabulary: [Int: String], directory: String) -> (marker: String, byteLevel: Bool) {
        let stages = [json["pre_tokenizer"], json["decoder"], json["normalizer"]].compactMap { $0 }
        var types: [(String, JSONValue)] = []
        func collect(_ v: JSONValue) {
            switch v {
            case .object(let members):
                if let t = v["type"]?.stringValue { types.append((t, v)) }
                for (_, m) in members { collect(m) }
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        stages.forEach(collect)
        if types.contains(where: { $0.0 == "ByteLevel" }) { return ("Ġ", true) }
        if let meta = types.first(where: { $0.0 == "Metaspace" }) {
            return (meta.1["replacement"]?.stringValue ?? "▁", false)
        }
        for (type, v) in types where type == "Replace" {
            if v["content"]?.stringValue == "▁" || v["pattern"]?["String"]?.stringValue == "▁" { return ("▁", false) }
        }
        let configPath = (directory as NSString).appendingPathComponent("tokenizer_config.json")
        let cls = (try? JSONFile.read(configPath))?["tokenizer_class"]?.stringValue ?? ""
        let sentencePieceClasses = ["LlamaTokenizer", "LlamaTokenizerFast", "T5Tokenizer", "T5TokenizerFast",
                                    "GemmaTokenizer", "GemmaTokenizerFast"]
        if sentencePieceClasses.contains(cls), !vocabulary.values.contains("Ġhello") { return ("▁", false) }
        return ("Ġ", false)
    }
}
