@testable import AlloyFormat
import AlloyTestSupport
@testable import AlloyTokenizer
import Foundation
import Testing

@Suite struct TransplantAlignmentTests {
    /// Writes a minimal tokenizer directory.
    func tokenizer(vocab: [(String, Int)], preTokenizer: JSONValue, bos: String) throws -> String {
        let dir = TestPaths.temporaryDirectory()
        let json: JSONValue = .object([
            ("added_tokens", .array([.object([("id", .int(0)), ("content", .string(bos)), ("special", true)])])),
            ("normalizer", .null), ("pre_tokenizer", preTokenizer), ("decoder", .null),
            ("model", .object([("type", "BPE"), ("vocab", .object(vocab.map { ($0.0, .int($0.1)) })), ("merges", .array([]))])),
        ])
        try JSONFile.write(json, to: dir + "/tokenizer.json")
        try JSONFile.write(.object([("bos_token", .string(bos))]), to: dir + "/tokenizer_config.json")
        return dir
    }

    func vocabularies() throws -> (model: TransplantVocabulary, donor: TransplantVocabulary) {
        let byteLevel: JSONValue = .object([("type", "ByteLevel"), ("add_prefix_space", false)])
        let metaspace: JSONValue = .object([("type", "Metaspace"), ("replacement", "▁")])
        let model = try tokenizer(vocab: [("<s>", 0), ("Ġhello", 1), ("world", 2), ("a", 3), ("Ġhel", 4), ("<0x62>", 5)],
                                  preTokenizer: byteLevel, bos: "<s>")
        let donor = try tokenizer(vocab: [("<|begin_of_text|>", 0), ("▁hello", 1), ("world", 2), ("▁helium", 3), ("b", 4),
                                          ("<0x61>", 5), ("zzz", 6)],
                                  preTokenizer: metaspace, bos: "<|begin_of_text|>")
        return (try TransplantVocabulary(directory: model), try TransplantVocabulary(directory: donor))
    }

    @Test func normalizationMatchesWordStartMarkersAndSpecialRoles() throws {
        let (model, donor) = try vocabularies()
        #expect(model.wordStartMarker == "Ġ" && model.isByteLevel)
        #expect(donor.wordStartMarker == "▁" && !donor.isByteLevel)
        #expect(model.ids[.wordStart("hello")] == 1 && donor.ids[.wordStart("hello")] == 1)
        #expect(model.ids[.special("bos_token")] == 0 && donor.ids[.special("bos_token")] == 0)
        #expect(model.text(of: model.entries[1]) == " hello")
        #expect(donor.text(of: donor.entries[3]) == " helium")
    }

    @Test func exactMatchesOnlyByDefault() throws {
        let (model, donor) = try vocabularies()
        let a = VocabularyAlignment(model: model, donor: donor, modelRows: 6, donorRows: 7, allowPrefix: false, allowByte: false)
        #expect(a.rowCount == 7)
        #expect(a.copies.map(\.donorID) == [0, 1, 2])
        #expect(a.copies.map(\.modelID) == [0, 1, 2])
        #expect(a.unmatched == [3, 4, 5, 6])
        #expect(a.shared.map(\.donorID) == [0, 1, 2])
    }

    @Test func byteAndPrefixMatchesWhenAllowed() throws {
        let (model, donor) = try vocabularies()
        let a = VocabularyAlignment(model: model, donor: donor, modelRows: 6, donorRows: 7, allowPrefix: true, allowByte: true)
        let byDonor = Dictionary(uniqueKeysWithValues: a.copies.map { ($0.donorID, ($0.modelID, $0.match)) })
        #expect(byDonor[3]! == (4, .prefix))   // ▁helium → Ġhel
        #expect(byDonor[4]! == (5, .byte))     // b → <0x62>
        #expect(byDonor[5]! == (3, .byte))     // <0x61> → a
        #expect(a.unmatched == [6])            // zzz: no prefix known
        #expect(a.shared.count == 3)           // fallback matches are not landmarks
    }

    @Test func modelRowsBeyondTheMatrixAreNotUsed() throws {
        let (model, donor) = try vocabularies()
        let a = VocabularyAlignment(model: model, donor: donor, modelRows: 2, donorRows: 7, allowPrefix: false, allowByte: false)
        #expect(a.copies.map(\.donorID) == [0, 1])
    }

    @Test func prefixesStopAtWhitespace() {
        #expect(NormalizedToken.plain("  ab").prefixes == [.plain("  a")])
        #expect(NormalizedToken.wordStart("abc").prefixes == [.wordStart("ab"), .wordStart("a")])
        #expect(NormalizedToken.special("bos_token").prefixes.isEmpty)
    }

    @Test func tokensCompareByScalarsNotCanonicalEquivalence() {
        #expect(NormalizedToken.plain("\u{E9}") != NormalizedToken.plain("e\u{301}"))
        #expect(Set([NormalizedToken.plain("\u{E9}"), .plain("e\u{301}")]).count == 2)
    }

    @Test func matchScopesNameTheMatrixTheyApplyTo() {
        #expect(MatchScope.embed.allows(lmHead: false) && !MatchScope.embed.allows(lmHead: true))
        #expect(MatchScope.lmHead.allows(lmHead: true) && !MatchScope.lmHead.allows(lmHead: false))
    }

    @Test func configTakesTheNewVocabularyAndTheDonorsTokenIDs() {
        let model: JSONValue = .object([("bos_token_id", 1), ("eos_token_id", 2), ("vocab_size", 400), ("pad_token_id", 3)])
        let donor: JSONValue = .object([("eos_token_id", 7), ("pad_token_id", .null), ("unk_token_id", 0)])
        let out = TransplantConfig.output(model: model, donor: donor, vocabularySize: 360)
        #expect(out["vocab_size"]?.intValue == 360)
        #expect(out["eos_token_id"]?.intValue == 7)
        #expect(out["bos_token_id"] == nil && out["pad_token_id"] == nil)
        #expect(out["unk_token_id"]?.intValue == 0)
    }
}
