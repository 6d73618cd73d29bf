import AlloyFormat
import Foundation

/// A Hugging Face fast tokenizer read from a model directory (`tokenizer.json`
/// plus `tokenizer_config.json` and `special_tokens_map.json` when present).
///
/// `encode` runs the same pipeline as the `tokenizers` library: added tokens are
/// split out first, then the normalizer, the pre-tokenizer and the model (BPE,
/// byte-level BPE, Unigram, WordPiece or WordLevel) run on the rest, and the
/// post-processor adds the special tokens (BOS/EOS/CLS/SEP) when asked.
///
/// ```swift
/// let tok = try Tokenizer(directory: "models/llama-base")
/// let ids = tok.encode("Hello world", addSpecialTokens: true)   // [1, ...]
/// let text = tok.decode(ids, skipSpecialTokens: true)
/// ```
public struct Tokenizer: Sendable {
    /// Where it was read from (directory or file), for messages.
    public let source: String
    /// `tokenizer.json` as read, every field kept in order.
    public let document: JSONValue
    /// `tokenizer_config.json`, if the directory has one.
    public let config: JSONValue?
    /// `special_tokens_map.json`, if the directory has one.
    public let specialTokensMap: JSONValue?
    /// The chat template: `chat_template.jinja`, else `tokenizer_config.json`'s `chat_template`
    /// (its "default" entry when it is a list), else `chat_template.json`.
    public let chatTemplate: String?
    /// The model's algorithm.
    public let modelType: TokenizerModelType
    /// `added_tokens`, in file order.
    public let addedTokens: [AddedToken]
    /// Special-token roles.
    public let specialTokens: SpecialTokens
    /// One more than the highest id of any token (model vocabulary or added).
    public let vocabularySize: Int

    let model: TokenizerModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor?
    let decoder: TokenDecoder?
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let tokenToID: [[UInt8]: Int]
    private let idToToken: [Int: String]
    private let addedByID: [Int: AddedToken]

    /// Reads the tokenizer files of a model directory.
    public init(directory: String) throws {
        let fm = FileManager.default
        let jsonPath = (directory as NSString).appendingPathComponent("tokenizer.json")
        guard fm.fileExists(atPath: jsonPath) else {
            let hasSentencePiece = fm.fileExists(atPath: (directory as NSString).appendingPathComponent("tokenizer.model"))
            throw AlloyError(.unsupported, code: "no_tokenizer_json",
                             "\(directory): no tokenizer.json" + (hasSentencePiece ? " (only a SentencePiece tokenizer.model)" : ""),
                             hint: "save the tokenizer in the fast format first, e.g. AutoTokenizer.from_pretrained(dir).save_pretrained(dir)")
        }
        func optional(_ name: String) throws -> JSONValue? {
            let p = (directory as NSString).appendingPathComponent(name)
            return fm.fileExists(atPath: p) ? try JSONFile.read(p) : nil
        }
        let config = try optional("tokenizer_config.json")
        var template: String?
        let jinja = (directory as NSString).appendingPathComponent("chat_template.jinja")
        if fm.fileExists(atPath: jinja) {
            template = try? String(contentsOfFile: jinja, encoding: .utf8)
        }
        if template == nil { template = Self.chatTemplate(in: config) }
        if template == nil, let ct = try optional("chat_template.json") { template = Self.chatTemplate(in: ct) }
        try self.init(document: try JSONFile.read(jsonPath), config: config,
                      specialTokensMap: try optional("special_tokens_map.json"), chatTemplate: template, source: jsonPath)
    }

    /// Builds a tokenizer from already-parsed files; `source` names them in messages.
    public init(document: JSONValue, config: JSONValue? = nil, specialTokensMap: JSONValue? = nil,
                chatTemplate: String? = nil, source: String = "tokenizer.json") throws {
        self.source = source
        self.document = document
        self.config = config
        self.specialTokensMap = specialTokensMap
        self.chatTemplate = chatTemplate
        let model = try TokenizerModel.parse(document["model"], file: source)
        self.model = model
        modelType = model.type
        normalizer = try Normalizer.parse(document["normalizer"], file: source)
        preTokenizer = try PreTokenizer.parse(document["pre_tokenizer"], file: source)
        postProcessor = try PostProcessor.parse(document["post_processor"], file: source)
        decoder = try TokenDecoder.parse(document["decoder"], file: source)

        var tokenToID: [[UInt8]: Int] = [:]
        var idToToken: [Int: String] = [:]
        for (token, id) in model.vocabulary() {
            if tokenToID[token.bytes] == nil { tokenToID[token.bytes] = id }
            if idToToken[id] == nil { idToToken[id] = token }
        }
        var added: [AddedToken] = []
        for entry in document["added_tokens"]?.arrayValue ?? [] {
            var t = try AddedToken(json: entry, file: source)
            if let existing = tokenToID[t.content.bytes], !added.contains(where: { $0.id == existing }) { t.id = existing }
            added.append(t)
        }
        var addedByID: [Int: AddedToken] = [:]
        for t in added {
            tokenToID[t.content.bytes] = t.id
            idToToken[t.id] = t.content
            addedByID[t.id] = t
        }
        addedTokens = added
        self.addedByID = addedByID
        self.tokenToID = tokenToID
        self.idToToken = idToToken
        vocabularySize = (idToToken.keys.max() ?? -1) + 1
        specialTokens = SpecialTokens(config: config, map: specialTokensMap)
        rawMatcher = AddedTokenMatcher(tokens: added.filter { !$0.normalized })
        let norm = normalizer
        normalizedMatcher = AddedTokenMatcher(tokens: added.filter(\.normalized)) { norm?.apply($0.content) ?? $0.content }
    }

    /// The chat template in a `tokenizer_config.json`/`chat_template.json` object.
    static func chatTemplate(in json: JSONValue?) -> String? {
        guard let t = json?["chat_template"] else { return nil }
        if let s = t.stringValue { return s }
        for entry in t.arrayValue ?? [] where entry["name"]?.stringValue == "default" { return entry["template"]?.stringValue }
        return nil
    }

    // MARK: Lookups

    /// The id of `token` (an added token or a model vocabulary entry), compared byte for byte.
    public func id(for token: String) -> Int? { tokenToID[token.bytes] }

    /// The token string of `id`.
    public func token(for id: Int) -> String? { idToToken[id] }

    /// The added token with this id, if any.
    public func addedToken(id: Int) -> AddedToken? { addedByID[id] }

    /// The model's own vocabulary (without added tokens that are not in it), ordered by id.
    public var modelVocabulary: [(token: String, id: Int)] { model.vocabulary() }

    // MARK: Encoding

    /// Token ids for `text`, as `tokenizers`' `Tokenizer.encode(text, add_special_tokens=...)` gives them.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        var atStart = true
        for segment in rawMatcher.split(text) {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let raw):
                let normalized = normalizer?.apply(raw) ?? raw
                var first = atStart
                for sub in normalizedMatcher.split(normalized) {
                    switch sub {
                    case .token(let id): ids.append(id)
                    case .text(let t): ids += encodeWords(t, atStart: first)
                    }
                    first = false
                }
            }
            atStart = false
        }
        if addSpecialTokens, let post = postProcessor { ids = post.apply(ids) }
        return ids
    }

    private func encodeWords(_ text: String, atStart: Bool) -> [Int] {
        let pieces = preTokenizer?.apply([TextPiece(text: text, atStart: atStart)]) ?? [TextPiece(text: text, atStart: atStart)]
        return pieces.flatMap { model.tokenize($0.text) }
    }

    // MARK: Decoding

    /// Text for `ids` through the tokenizer's decoder (tokens joined by spaces when it has none).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens, addedByID[id]?.special == true { return nil }
            return idToToken[id]
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.apply(tokens).joined()
    }
}
