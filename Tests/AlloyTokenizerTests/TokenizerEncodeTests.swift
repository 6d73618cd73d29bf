@testable import AlloyFormat
import AlloyTestSupport
@testable import AlloyTokenizer
import Foundation
import Testing

/// The encoder against ids recorded from Hugging Face `tokenizers`
/// (Fixtures/tokenizers/generate.py builds the tokenizers and the expectations).
@Suite struct TokenizerEncodeTests {
    static let root = TestPaths.packageRoot + "/Tests/Fixtures/tokenizers"

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/expected.json") }.sorted()
    }()

    static func tokenizer(_ name: String) throws -> Tokenizer {
        if name.hasPrefix("fixture-") { return try Tokenizer(directory: TestPaths.model(String(name.dropFirst(8)))) }
        return try Tokenizer(directory: "\(root)/\(name)")
    }

    @Test func everyComponentFamilyHasACase() {
        #expect(Self.cases.count >= 13)
    }

    @Test(arguments: cases) func idsMatchTokenizersLibrary(name: String) throws {
        let tok = try Self.tokenizer(name)
        let expected = try JSONFile.read("\(Self.root)/\(name)/expected.json")
        for c in expected["cases"]?.arrayValue ?? [] {
            let text = c["text"]!.stringValue!
            let want = c["ids"]!.arrayValue!.compactMap(\.intValue)
            let wantSpecial = c["ids_special"]!.arrayValue!.compactMap(\.intValue)
            #expect(tok.encode(text, addSpecialTokens: false) == want, "\(name): \(text.debugDescription)")
            #expect(tok.encode(text, addSpecialTokens: true) == wantSpecial, "\(name) (special): \(text.debugDescription)")
        }
    }

    @Test(arguments: cases) func decodeMatchesTokenizersLibrary(name: String) throws {
        let tok = try Self.tokenizer(name)
        let expected = try JSONFile.read("\(Self.root)/\(name)/expected.json")
        for c in expected["decode"]?.arrayValue ?? [] {
            let ids = c["ids"]!.arrayValue!.compactMap(\.intValue)
            #expect(tok.decode(ids) == c["text"]!.stringValue!, "\(name): \(ids)")
            #expect(tok.decode(ids, skipSpecialTokens: true) == c["text_skip"]!.stringValue!, "\(name) skip: \(ids)")
        }
    }

    @Test func fixtureModelBasics() throws {
        let tok = try Tokenizer(directory: TestPaths.model("llama-ft3-chatml"))
        #expect(tok.modelType == .bpe)
        #expect(tok.vocabularySize == 402)
        #expect(tok.id(for: "<|im_end|>") == 401)
        #expect(tok.token(for: 400) == "<|im_start|>")
        #expect(tok.specialTokens.bos == "<s>")
        #expect(tok.specialTokens.additional == ["<|im_start|>", "<|im_end|>"])
        #expect(tok.chatTemplate?.contains("<|im_start|>") == true)
        #expect(tok.encode("", addSpecialTokens: true) == [1])
    }

    @Test func mergesInBothSerializationsGiveTheSameModel() throws {
        var doc = try JSONFile.read(TestPaths.model("llama-base") + "/tokenizer.json")
        let pairs = try #require(doc["model"]?["merges"]?.arrayValue)
        var model = doc["model"]!
        model["merges"] = .array(pairs.map { .string($0.arrayValue!.compactMap(\.stringValue).joined(separator: " ")) })
        doc["model"] = model
        let strings = try Tokenizer(document: doc)
        let original = try Tokenizer(directory: TestPaths.model("llama-base"))
        let text = "the quick brown fox, they're 123 merging"
        #expect(strings.encode(text) == original.encode(text))
        #expect(original.encode(text).count < text.utf8.count)
    }

    @Test func unigramScoresAreReadLikeSerdeJSON() {
        // serde_json (as tokenizers uses it) reads this one ulp below the correctly rounded value.
        #expect(SerdeFloat.parse("-3.8208210468292236") == -3.820821046829224)
        #expect(Double("-3.8208210468292236") != -3.820821046829224)
        #expect(SerdeFloat.parse("-4.555537700653076") == Double("-4.555537700653076"))
        #expect(SerdeFloat.parse("1e-3") == 0.001 && SerdeFloat.parse("12") == 12 && SerdeFloat.parse("-0.0") == 0)
        #expect(SerdeFloat.parse("abc") == nil)
    }
}
