@testable import AlloyFormat
import AlloyTestSupport
@testable import AlloyTokenizer
import Foundation
import Testing

@Suite struct VocabularyMergeTests {
    static func input(_ name: String, vocab: Int? = nil) throws -> VocabularyInput {
        let dir = TestPaths.model(name)
        let config = try JSONFile.read(dir + "/config.json")
        return VocabularyInput(name: name, tokenizer: try Tokenizer(directory: dir), configVocabSize: vocab ?? config["vocab_size"]?.intValue)
    }

    @Test func unionAppendsTheOtherModelsAddedTokens() throws {
        let v = try VocabularyMerger.merge(base: Self.input("llama-base"), others: [Self.input("llama-ft3-chatml")], source: .union)
        #expect(v.size == 402)
        #expect(v.id(for: "<|im_start|>") == 400)
        #expect(v.id(for: "<|im_end|>") == 401)
        #expect(v.addedTokens.map(\.id) == [0, 1, 2, 3, 400, 401])
        #expect(v.addedTokens.allSatisfy { $0.special })
        #expect(v.permutations["llama-base"]?[400] == -1)
        #expect(v.permutations["llama-ft3-chatml"]?[401] == 401)
        #expect(v.permutations["llama-base"]?[123] == 123)
        let reloaded = try Tokenizer(document: v.document)
        #expect(reloaded.encode("<|im_start|>user", addSpecialTokens: false).first == 400)
    }

    @Test func baseSourceDropsTokensBeyondTheBaseRows() throws {
        let v = try VocabularyMerger.merge(base: Self.input("llama-base", vocab: 398), others: [Self.input("llama-ft3-chatml")], source: .base)
        #expect(v.size == 398)
        #expect(v.tokens.count == 398)
        let merges = v.document["model"]?["merges"]?.arrayValue ?? []
        #expect(merges.count < 140)
        let t = try Tokenizer(document: v.document)   // still loads: no merge names a dropped token
        #expect(t.vocabularySize == 398)
        #expect(v.permutations["llama-ft3-chatml"]?.count == 398)
    }

    @Test func unionAddsRegularTokensMissingFromTheBaseAsAddedTokens() throws {
        let v = try VocabularyMerger.merge(base: Self.input("llama-base"), others: [Self.input("llama-donor")], source: .union,
                                           extraTokens: ["<extra_token>"])
        let base = try Tokenizer(directory: TestPaths.model("llama-base"))
        let donor = try Tokenizer(directory: TestPaths.model("llama-donor"))
        let missing = donor.modelVocabulary.filter { base.id(for: $0.token) == nil }
        #expect(!missing.isEmpty)
        #expect(v.size == 400 + missing.count + 1)
        for (k, entry) in missing.enumerated() {
            #expect(v.id(for: entry.token) == 400 + k)
            #expect(v.permutations["llama-donor"]?[400 + k] == entry.id)
        }
        let added = try #require(v.addedTokens.first { $0.content == missing[0].token })
        #expect(!added.special && added.normalized)
        #expect(v.id(for: "<extra_token>") == 400 + missing.count)
        #expect(v.permutations["llama-donor"]?[400 + missing.count] == -1)
    }

    @Test func modelSourceKeepsThatTokenizer() throws {
        let v = try VocabularyMerger.merge(base: Self.input("llama-base"), others: [Self.input("llama-ft3-chatml")],
                                           source: .model("llama-ft3-chatml"))
        #expect(v.size == 402)
        #expect(v.origin.chatTemplate != nil)
        let dir = TestPaths.temporaryDirectory()
        let files = try MergedTokenizerWriter.write(v, to: dir)
        #expect(files.contains("tokenizer_config.json"))
        let back = try Tokenizer(directory: dir)
        #expect(back.chatTemplate == v.origin.chatTemplate)
        #expect(back.specialTokens == v.origin.specialTokens)
        #expect(back.encode("hello <|im_end|>") == v.origin.encode("hello <|im_end|>"))
    }

    // MARK: Embedding rows

    /// Three toy vocabularies: base {a b c}, m1 {a b d}, m2 {a c d e}.
    static func toyVocabulary() throws -> MergedVocabulary {
        func tok(_ words: [String]) throws -> Tokenizer {
            let vocab = JSONValue.object(words.enumerated().map { ($0.element, .int($0.offset)) })
            return try Tokenizer(document: .object([("added_tokens", .array([])),
                                                    ("model", .object([("type", "WordLevel"), ("vocab", vocab)]))]))
        }
        return try VocabularyMerger.merge(base: VocabularyInput(name: "base", tokenizer: tok(["a", "b", "c"]), configVocabSize: 3),
                                          others: [VocabularyInput(name: "m1", tokenizer: tok(["a", "b", "d"]), configVocabSize: 3),
                                                   VocabularyInput(name: "m2", tokenizer: tok(["a", "c", "d", "e"]), configVocabSize: 4)],
                                          source: .union, extraTokens: ["z"])
    }

    static func matrix(_ rows: Int, _ seed: Float) -> Tensor {
        Tensor(shape: [rows, 2], values: (0..<(rows * 2)).map { Float($0) + seed })
    }

    @Test func rowsFollowMergekitsDefaults() throws {
        let v = try Self.toyVocabulary()
        #expect(v.tokens.map(\.token) == ["a", "b", "c", "d", "e", "z"])
        let remapper = EmbeddingRemapper(vocabulary: v, padToMultipleOf: 4, baseModel: "base")
        #expect(remapper.paddedSize == 8)
        let inputs = [EmbeddingRemapper.Input(model: "base", tensor: Self.matrix(3, 100)),
                      .init(model: "m1", tensor: Self.matrix(3, 200)), .init(model: "m2", tensor: Self.matrix(4, 300))]
        let out = try remapper.remap(inputs, tensorName: "embed")
        func row(_ m: Int, _ r: Int) -> [Float] { Array(out[m].values[(r * 2)..<(r * 2 + 2)]) }
        func src(_ m: Int, _ r: Int) -> [Float] { Array(inputs[m].tensor.values[(r * 2)..<(r * 2 + 2)]) }
        // own rows
        #expect(row(1, 0) == src(1, 0) && row(2, 2) == src(2, 1))
        // "b" missing in m2: base has it -> base's row
        #expect(row(2, 1) == src(0, 1))
        // "d" missing in base: m1 and m2 have it, base does not -> mean of theirs
        #expect(row(0, 3) == zip(src(1, 2), src(2, 2)).map { ($0 + $1) / 2 })
        // "e" only in m2 -> m2's row for everyone
        #expect(row(0, 4) == src(2, 3) && row(1, 4) == src(2, 3))
        // "z" in nobody -> zeros
        #expect(row(1, 5) == [0, 0])
        // padding rows: mean of the model's six real rows
        var mean0: [Float] = [0, 0]
        for r in 0..<6 { for j in 0..<2 { mean0[j] += out[0].values[r * 2 + j] } }
        mean0 = mean0.map { $0 / 6 }
        #expect(row(0, 6) == mean0 && row(0, 7) == mean0)
    }

    @Test func configuredAndForcedTokens() throws {
        let v = try Self.toyVocabulary()
        let rules = [TokenEmbeddingRule(token: "a", source: .modelToken(model: "m2", token: "e", tokenID: nil), force: true),
                     TokenEmbeddingRule(token: "c", source: .zero),
                     TokenEmbeddingRule(token: "d", source: .model("m1"))]
        let remapper = EmbeddingRemapper(vocabulary: v, rules: rules, baseModel: "base")
        let inputs = [EmbeddingRemapper.Input(model: "base", tensor: Self.matrix(3, 100)),
                      .init(model: "m1", tensor: Self.matrix(3, 200)), .init(model: "m2", tensor: Self.matrix(4, 300))]
        let out = try remapper.remap(inputs, tensorName: "embed")
        func row(_ m: Int, _ r: Int) -> [Float] { Array(out[m].values[(r * 2)..<(r * 2 + 2)]) }
        func src(_ m: Int, _ r: Int) -> [Float] { Array(inputs[m].tensor.values[(r * 2)..<(r * 2 + 2)]) }
        for m in 0..<3 { #expect(row(m, 0) == src(2, 3)) }     // forced for everyone
        #expect(row(0, 2) == src(0, 2))                          // base has "c": not forced, keeps its own
        #expect(row(1, 2) == [0, 0])                             // m1 lacks "c": configured zero
        #expect(row(0, 3) == src(1, 2))                          // base lacks "d": m1's row
        #expect(row(2, 3) == src(2, 2))
        let bad = EmbeddingRemapper(vocabulary: v, rules: [TokenEmbeddingRule(token: "e", source: .model("m1"))], baseModel: "base")
        #expect(throws: AlloyError.self) { try bad.remap(inputs, tensorName: "embed") }
    }

    @Test func chatTemplateChoices() throws {
        #expect(ChatTemplateChoice.auto.resolve(modelTemplates: [nil, "b {x}", "a {x}", "a {x} \n"]) == "a {x}")
        #expect(ChatTemplateChoice.auto.resolve(modelTemplates: ["b {x}", "a {x}"]) == "b {x}")
        #expect(ChatTemplateChoice.auto.resolve(modelTemplates: [nil]) == nil)
        #expect(throws: AlloyError.self) { _ = try ChatTemplateChoice(parsing: "chatml2") }
        #expect(throws: AlloyError.self) { _ = try ChatTemplateChoice(parsing: "a long string without braces at all") }
        for name in ChatTemplateChoice.builtInNames {
            let choice = try ChatTemplateChoice(parsing: name)
            let t = try #require(choice.resolve(modelTemplates: []))
            #expect(t.contains("{%") && t.contains("message"))
        }
    }
}
