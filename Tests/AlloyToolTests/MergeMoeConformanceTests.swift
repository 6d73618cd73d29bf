import Foundation
import Testing

/// Every public `mergekit-moe` case: run `merge-moe CASE OUT` with the case's flags
/// from the fixtures folder, then judge the output with compare.py.
@Suite struct MergeMoeConformanceTests {
    static let cases = ToolTestSupport.cases(tools: ["mergekit-moe"])

    @Test func thereArePublicCases() {
        #expect(!Self.cases.isEmpty)
    }

    @Test(arguments: cases)
    func conformsToReference(caseFile: String) throws {
        let text = try String(contentsOfFile: ToolTestSupport.fixtures + "/cases/" + caseFile, encoding: .utf8)
        let flags = (ToolTestSupport.caseField("flags", in: text) ?? "").split(separator: " ").map(String.init)
        let out = ToolTestSupport.temporaryDirectory() + "/out"
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let run = try ToolTestSupport.run("merge-moe", ["cases/" + caseFile, out] + flags, in: ToolTestSupport.fixtures)
        let isError = ToolTestSupport.caseField("check", in: text) == "error"
        if isError {
            #expect(run.status != 0, "merge-moe accepted a configuration the reference rejects")
        } else {
            #expect(run.status == 0, "merge-moe failed: \(run.stderr)")
        }
        let verdict = try ToolTestSupport.compare(output: out, caseFile: caseFile)
        #expect(verdict.status == 0, "compare.py: \(verdict.stdout.suffix(3000))")
    }
}
