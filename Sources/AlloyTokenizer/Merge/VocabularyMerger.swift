import AlloyFormat
/// The result of merging vocabularies: the output tokenizer's contents, its
/// token → id table, and for each model the row of its embedding that each
/// output id corresponds to.
public struct MergedVocabulary: Sendable {
    /// The output `tokenizer.json` (the source tokenizer with vocabulary, merges and added tokens updated).
    public var document: JSONValue
    /// The tokenizer the output files start from (config, special-tokens map and chat template come from it).
    public var origin: Tokenizer
    /// The output added tokens, ordered by id.
    public var addedTokens: [AddedToken]
    /// Every output token (model vocabulary and added), ordered by id.
    public var tokens: [(token: String, id: Int)]
    /// Output rows before padding (one more than the highest id).
    public var size: Int
    /// Model name → for every output id, that model's id for the token or -1.
    public var permutations: [String: [Int]]
    /// Model name → its own vocabulary (token → id), as used for the permutation.
    public var modelVocabularies: [String: [[UInt8]: Int]]
    /// Things the user should know (tokens beyond a model's rows, conflicting added-token flags).
    public var warnings: [String]

    /// The output id of `token`, if the merged vocabulary has it.
    public func id(for token: String) -> Int? { idByToken[token.bytes] }

    var idByToken: [[UInt8]: Int]
}

/// Builds the output vocabulary as mergekit's `tokenizer:` section does (`tokenizer/build.py`).
public enum VocabularyMerger {
    /// - Parameters:
    ///   - base: the base model (or the first model when there is no base); its tokenizer is required.
    ///   - others: the other models, in configuration order.
    ///   - source: which vocabulary the output gets.
    ///   - extraTokens: tokens to add when missing (`tokens:` keys), as plain added tokens.
    public static func merge(base: VocabularyInput, others: [VocabularyInput], source: VocabularySource,
                             extraTokens: [String] = []) throws -> MergedVocabulary {
        guard let baseTokenizer = base.tokenizer else {
            throw AlloyError(.config, code: "no_tokenizer", "\(base.name): has no tokenizer.json, which a vocabulary merge starts from",
                             hint: "give the base model a tokenizer, or remove tokenizer: from the configuration")
        }
        var warnings: [String] = []
        let strippedBase = try TokenizerEdit(baseTokenizer).stripped(below: base.configVocabSize, model: base.name)
        let inputs = [base] + others.filter { $0.name != base.name }
        func vocabulary(of input: VocabularyInput) -> TokenizerEdit {
            if input.name == base.name { return strippedBase }
            if let t = input.tokenizer { return TokenizerEdit(t) }
            warnings.append("\(input.name): no tokenizer.json; assuming the same vocabulary as \(base.name)")
            return strippedBase
        }

        var output: TokenizerEdit
        switch source {
        case .base:
            output = strippedBase
        case .model(let name):
            guard let chosen = inputs.first(where: { $0.name == name }) else {
                throw AlloyError.config("tokenizer.source", "\(name) is not one of the merged models")
            }
            guard let t = chosen.tokenizer else {
                throw AlloyError(.config, code: "no_tokenizer", "\(name): has no tokenizer.json to use as tokenizer.source")
            }
            output = TokenizerEdit(t)
        case .external(let t):
            output = TokenizerEdit(t)
        case .union:
            output = strippedBase
            var regular: [String] = []
            var seenRegular = Set<[UInt8]>()
            var added: [AddedToken] = []
            var addedIndex: [[UInt8]: Int] = [:]
            for input in inputs {
                let edit = vocabulary(of: input)
                let limit = input.configVocabSize ?? edit.modelVocabularyCount
                for (token, id) in edit.allTokens() {
                    if id >= limit {
                        warnings.append("\(input.name): token \(token.debugDescription) has id \(id), beyond its \(limit) embedding rows; ignored")
                        continue
                    }
                    if seenRegular.insert(token.bytes).inserted { regular.append(token) }
                }
                for t in edit.addedTokens where t.id < limit {
                    if let i = addedIndex[t.content.bytes] {
                        if !added[i].sameDefinition(as: t) {
                            warnings.append("token \(t.content.debugDescription) is added with different settings by several models; using the first")
                        }
                        continue
                    }
                    addedIndex[t.content.bytes] = added.count
                    added.append(t)
                }
            }
            let baseVocabulary = strippedBase.tokenIDs
            for token in regular where addedIndex[token.bytes] == nil && baseVocabulary[token.bytes] == nil {
                output.add(AddedToken(id: -1, content: token, normalized: true, special: false))
            }
            for t in added { output.add(t) }
        }
        // A token given as a plain string is only added when missing (an existing one keeps its flags).
        for token in extraTokens where output.tokenIDs[token.bytes] == nil {
            output.add(AddedToken(id: -1, content: token, normalized: true, special: false))
        }

        let outputIDs = output.tokenIDs
        let size = (outputIDs.values.max() ?? -1) + 1
        var permutations: [String: [Int]] = [:]
        var vocabularies: [String: [[UInt8]: Int]] = [:]
        for input in inputs {
            let own = vocabulary(of: input).tokenIDs
            let limit = input.configVocabSize ?? own.count
            var p = [Int](repeating: -1, count: size)
            for (token, id) in outputIDs {
                guard let mine = own[token] else { continue }
                if mine >= limit {
                    warnings.append("\(input.name): token \(String(decoding: token, as: UTF8.self).debugDescription) has id \(mine), beyond its \(limit) embedding rows; treated as missing")
                    continue
                }
                p[id] = mine
            }
            permutations[input.name] = p
            vocabularies[input.name] = own
        }
        let tokens = outputIDs.map { (String(decoding: $0.key, as: UTF8.self), $0.value) }.sorted { $0.1 < $1.1 }
        return MergedVocabulary(document: output.document(), origin: output.origin, addedTokens: output.addedTokens.sorted { $0.id < $1.id },
                                tokens: tokens, size: size, permutations: permutations, modelVocabularies: vocabularies,
                                warnings: Array(Set(warnings)).sorted(), idByToken: outputIDs)
    }
}
