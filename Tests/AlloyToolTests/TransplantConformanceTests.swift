import AlloyCore
import Foundation
import Testing

/// `merge-tokenizer transplant` on every public mergekit-tokensurgeon case, judged by compare.py,
/// plus its handling of bad input.
@Suite struct TransplantConformanceTests {
    static let cases = ToolTestSupport.cases(tools: ["mergekit-tokensurgeon"])

    /// The command line for a case: `transplant MODEL DONOR OUT` + the case's `args` and `flags`
    /// (the options keep mergekit-tokensurgeon's spellings).
    static func arguments(caseFile: String, output: String) throws -> [String] {
        let json = try JSONFile.read(ToolTestSupport.fixtures + "/cases/" + caseFile)
        guard let model = json["model"]?.stringValue, let donor = json["donor"]?.stringValue else {
            throw AlloyError(.config, code: "bad_case", "\(caseFile): needs model and donor")
        }
        let args = (json["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        let flags = (json["flags"]?.stringValue ?? "").split(separator: " ").map(String.init)
        return ["transplant", model, donor, output] + args + flags
    }

    @Test func publicCasesExist() {
        #expect(Self.cases.count >= 2)
    }

    @Test(arguments: cases)
    func matchesTheReference(caseFile: String) throws {
        let output = ToolTestSupport.temporaryDirectory() + "/out"
        let run = try ToolTestSupport.run("merge-tokenizer", try Self.arguments(caseFile: caseFile, output: output),
                                          in: ToolTestSupport.fixtures)
        #expect(run.status == 0, "merge-tokenizer failed: \(run.stderr)")
        let verdict = try ToolTestSupport.compare(output: output, caseFile: caseFile)
        #expect(verdict.status == 0, "\(verdict.stdout)\n\(verdict.stderr)")
    }

    @Test func refusesMoreAtomsThanSharedTokensAndLeavesNoOutput() throws {
        let output = ToolTestSupport.temporaryDirectory() + "/out"
        let run = try ToolTestSupport.run("merge-tokenizer", ["transplant", "./models/llama-base", "./models/llama-donor", output,
                                                               "-k", "100000", "-q"], in: ToolTestSupport.fixtures)
        #expect(run.status == 2)
        #expect(run.stderr.contains("100000") && run.stderr.contains("303") && run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func namesAMissingModelDirectory() throws {
        let output = ToolTestSupport.temporaryDirectory() + "/out"
        let run = try ToolTestSupport.run("merge-tokenizer", ["transplant", "./models/no-such-model", "./models/llama-donor", output],
                                          in: ToolTestSupport.fixtures)
        #expect(run.status == 2)
        #expect(run.stderr.contains("no-such-model"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func rejectsAnUnknownMethodAsUsage() throws {
        let run = try ToolTestSupport.run("merge-tokenizer", ["transplant", "a", "b", "c", "-a", "nonsense"], in: ToolTestSupport.fixtures)
        #expect(run.status == 64)
    }

    @Test func jsonSummaryCountsTheRows() throws {
        let output = ToolTestSupport.temporaryDirectory() + "/out"
        let run = try ToolTestSupport.run("merge-tokenizer", ["transplant", "./models/llama-base", "./models/llama-donor", output,
                                                               "-a", "subword", "-pm", "yes", "--json"], in: ToolTestSupport.fixtures)
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONParser.parse(Array(run.stdout.utf8))
        #expect(json["schema_version"]?.intValue == 1)
        #expect(json["vocab_size"]?.intValue == 360)
        let embed = json["tensors"]?[0]
        #expect(embed?["name"]?.stringValue == "model.embed_tokens.weight")
        let counts = ["exact", "byte", "prefix", "approximated"].compactMap { embed?[$0]?.intValue }
        #expect(counts.reduce(0, +) == 360)
        #expect(embed?["exact"]?.intValue == 303)
    }
}
