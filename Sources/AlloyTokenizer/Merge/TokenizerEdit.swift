import AlloyFormat
/// A tokenizer's vocabulary being edited for a merge: the model vocabulary,
/// its merges and the added tokens, which `document()` writes back into the
/// original `tokenizer.json` with every other field untouched.
struct TokenizerEdit: Sendable {
    let origin: Tokenizer
    /// Model vocabulary entries in document order (Unigram: list order = id).
    private(set) var modelEntries: [(token: String, id: Int)]
    /// The `model.merges` array (BPE), in order.
    private(set) var merges: [JSONValue]?
    private(set) var addedTokens: [AddedToken]
    private var modelChanged = false
    /// Model token → id, and added token → index in `addedTokens`.
    private var modelIndex: [[UInt8]: Int] = [:]
    private var addedIndex: [[UInt8]: Int] = [:]

    init(_ tokenizer: Tokenizer) {
        origin = tokenizer
        let model = tokenizer.document["model"]
        if tokenizer.modelType == .unigram {
            modelEntries = (model?["vocab"]?.arrayValue ?? []).enumerated().compactMap { i, e in e[0]?.stringValue.map { ($0, i) } }
        } else {
            modelEntries = (model?["vocab"]?.objectValue ?? []).compactMap { t, id in id.intValue.map { (t, $0) } }
        }
        merges = model?["merges"]?.arrayValue
        addedTokens = tokenizer.addedTokens
        reindex()
    }

    private mutating func reindex() {
        modelIndex = [:]
        modelIndex.reserveCapacity(modelEntries.count)
        for (t, id) in modelEntries where modelIndex[t.bytes] == nil { modelIndex[t.bytes] = id }
        addedIndex = [:]
        for (i, t) in addedTokens.enumerated() { addedIndex[t.content.bytes] = i }
    }

    /// Number of entries in the model's own vocabulary (`Model::get_vocab_size`).
    var modelVocabularyCount: Int { modelEntries.count }

    /// Token → id over the model vocabulary and the added tokens (added tokens win).
    var tokenIDs: [[UInt8]: Int] {
        var map: [[UInt8]: Int] = [:]
        map.reserveCapacity(modelEntries.count + addedTokens.count)
        for (t, id) in modelEntries where map[t.bytes] == nil { map[t.bytes] = id }
        for t in addedTokens { map[t.content.bytes] = t.id }
        return map
    }

    /// Every token with its id, ordered by id (model vocabulary first on ties).
    func allTokens() -> [(String, Int)] {
        var seen = Set<[UInt8]>()
        var out: [(String, Int)] = []
        for (t, id) in modelEntries where seen.insert(t.bytes).inserted { out.append((t, id)) }
        for t in addedTokens where seen.insert(t.content.bytes).inserted { out.append((t.content, t.id)) }
        return out.sorted { $0.1 < $1.1 }
    }

    /// Drops tokens whose id is `limit` or more (padding beyond a model's embedding rows),
    /// and the merges that use them.
    func stripped(below limit: Int?, model: String) throws -> TokenizerEdit {
        guard let limit else { return self }
        let removed = Set(modelEntries.filter { $0.id >= limit }.map { $0.token.bytes })
            .union(addedTokens.filter { $0.id >= limit }.map { $0.content.bytes })
        guard !removed.isEmpty else { return self }
        var copy = self
        copy.modelEntries.removeAll { removed.contains($0.token.bytes) }
        copy.addedTokens.removeAll { $0.id >= limit }
        copy.merges = merges?.filter { entry in
            guard let (a, b) = BPEModel.mergePair(entry) else { return true }
            // Also drop merges whose product is gone (mergekit keeps them, which breaks loading).
            return !removed.contains(a.bytes) && !removed.contains(b.bytes) && !removed.contains(mergedBytes(a, b))
        }
        if origin.modelType == .unigram, copy.modelEntries.enumerated().contains(where: { $0.offset != $0.element.id }) {
            throw AlloyError(.unsupported, code: "unsupported_tokenizer",
                             "\(model): cannot drop Unigram tokens at or beyond vocab_size \(limit) without renumbering the rest")
        }
        copy.modelChanged = true
        copy.reindex()
        return copy
    }

    /// The token a merge of `a` and `b` produces (the continuation prefix of `b` dropped).
    private func mergedBytes(_ a: String, _ b: String) -> [UInt8] {
        var right = b.bytes
        if let prefix = origin.document["model"]?["continuing_subword_prefix"]?.stringValue, !prefix.isEmpty, b.bytesHavePrefix(prefix) {
            right.removeFirst(prefix.utf8.count)
        }
        return a.bytes + right
    }

    /// Adds a token the way `tokenizers`' `add_tokens` does: an existing token keeps
    /// its id (taking the new flags), a new one gets the next id after the model
    /// vocabulary and the added tokens.
    mutating func add(_ token: AddedToken) {
        guard !token.content.isEmpty else { return }
        let key = token.content.bytes
        if let i = addedIndex[key] {
            let id = addedTokens[i].id
            addedTokens[i] = token
            addedTokens[i].id = id
            return
        }
        var t = token
        if let existing = modelIndex[key] {
            t.id = existing
        } else {
            let modelSize = modelVocabularyCount
            if let maxAdded = maxAddedID, maxAdded >= modelSize || modelSize == 0 {
                t.id = maxAdded + 1
            } else {
                t.id = modelSize
            }
        }
        addedIndex[key] = addedTokens.count
        addedTokens.append(t)
    }

    private var maxAddedID: Int? { addedTokens.map(\.id).max() }

    /// The edited `tokenizer.json`.
    func document() -> JSONValue {
        var doc = origin.document
        if modelChanged, var model = doc["model"] {
            if origin.modelType == .unigram {
                let list = model["vocab"]?.arrayValue ?? []
                model["vocab"] = .array(Array(list.prefix(modelEntries.count)))
            } else {
                model["vocab"] = .object(modelEntries.map { ($0.token, .int($0.id)) })
            }
            if let merges { model["merges"] = .array(merges) }
            doc["model"] = model
        }
        doc["added_tokens"] = .array(addedTokens.sorted { $0.id < $1.id }.map(\.json))
        return doc
    }
}
