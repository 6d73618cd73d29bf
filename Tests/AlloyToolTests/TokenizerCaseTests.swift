import Foundation
import Testing

/// Public merge-yaml cases with a `tokenizer:` / `tokenizer_source:` section, judged by compare.py
/// (tensors, config vocab_size, and the tokenizer files).
@Suite struct TokenizerCaseTests {
    static let cases = ToolTestSupport.cases(tools: ["mergekit-yaml"]).filter { file in
        guard let text = try? String(contentsOfFile: ToolTestSupport.fixtures + "/cases/" + file, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("tokenizer:") || $0.hasPrefix("tokenizer_source:") }
    }

    @Test func thereArePublicTokenizerCases() { #expect(Self.cases.count >= 5) }

    @Test(arguments: cases) func mergeYamlMatchesReference(caseFile: String) throws {
        let text = try String(contentsOfFile: ToolTestSupport.fixtures + "/cases/" + caseFile, encoding: .utf8)
        let flags = (ToolTestSupport.caseField("flags", in: text) ?? "").split(separator: " ").map(String.init)
        let out = ToolTestSupport.temporaryDirectory() + "/out"
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let run = try ToolTestSupport.run("merge-yaml", ["cases/" + caseFile, out] + flags, in: ToolTestSupport.fixtures)
        #expect(run.status == 0, "merge-yaml failed: \(run.stderr)")
        guard run.status == 0 else { return }
        let verdict = try ToolTestSupport.compare(output: out, caseFile: caseFile)
        #expect(verdict.status == 0, "\(caseFile): \(verdict.stdout.suffix(1500))\(verdict.stderr)")
    }
}
