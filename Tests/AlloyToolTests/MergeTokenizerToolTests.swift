import AlloyCore
import Foundation
import Testing

@Suite struct MergeTokenizerToolTests {
    static let fixtures = ToolTestSupport.fixtures

    static func addedTokens(_ doc: JSONValue) -> [String] {
        (doc["added_tokens"]?.arrayValue ?? []).map { "\($0["id"]!.intValue!) \($0["content"]!.stringValue!) \($0["special"]!.boolValue!)" }
    }

    @Test func unionMatchesMergekitsTokenizer() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/tok"
        let run = try ToolTestSupport.run("merge-tokenizer", ["models/llama-base", "models/llama-ft3-chatml", "--source", "union",
                                                              "--out", out, "--json"], in: Self.fixtures)
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try JSONFile.read(out + "/tokenizer.json")
        let ref = try JSONFile.read(Self.fixtures + "/refs/tokenizer-union-linear/tokenizer.json")
        #expect(ours["model"]?["vocab"] == ref["model"]?["vocab"])
        #expect(Self.addedTokens(ours) == Self.addedTokens(ref))
        let report = try JSONParser.parse(run.stdout)
        #expect(report["schema_version"]?.intValue == 1)
        #expect(report["vocab_size"]?.intValue == 402)
        let models = try #require(report["models"]?.arrayValue)
        #expect(models.count == 2)
        let chatml = try #require(models.last?["id_map"]?.arrayValue)
        #expect(chatml.count == 402 && chatml[401].intValue == 401 && chatml[7].intValue == 7)
        #expect(models.first?["missing"]?.intValue == 2)
        let tok = try Tokenizer(directory: out)
        #expect(tok.encode("<|im_start|>user hi<|im_end|>", addSpecialTokens: false).first == 400)
    }

    @Test func baseSourceAndChatTemplate() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/tok"
        let run = try ToolTestSupport.run("merge-tokenizer", ["merge", "models/llama-ft3-chatml", "models/llama-base", "--base", "models/llama-base",
                                                              "--source", "base", "--chat-template", "auto", "--out", out], in: Self.fixtures)
        #expect(run.status == 0, "\(run.stderr)")
        let tok = try Tokenizer(directory: out)
        #expect(tok.vocabularySize == 400)
        let chatml = try Tokenizer(directory: Self.fixtures + "/models/llama-ft3-chatml")
        #expect(tok.chatTemplate == chatml.chatTemplate)
    }

    @Test func badInputsFailCleanly() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/tok"
        let missing = try ToolTestSupport.run("merge-tokenizer", ["models/no-such-model", "--out", out], in: Self.fixtures)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no-such-model"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let template = try ToolTestSupport.run("merge-tokenizer", ["models/llama-base", "--chat-template", "short", "--out", out], in: Self.fixtures)
        #expect(template.status == 2)
        #expect(template.stderr.contains("chat-template"))
        let usage = try ToolTestSupport.run("merge-tokenizer", ["models/llama-base"], in: Self.fixtures)
        #expect(usage.status == 64)
    }
}
