import Foundation
import Testing

/// Runs `merge-yaml` on every public mergekit-yaml case and judges the output with compare.py.
@Suite("merge-yaml conformance")
struct MergeYamlConformanceTests {
    @Test(arguments: ToolTestSupport.cases(tools: ["mergekit-yaml"]))
    func publicCase(_ caseFile: String) throws {
        let text = try String(contentsOfFile: ToolTestSupport.fixtures + "/cases/" + caseFile, encoding: .utf8)
        let flags = (ToolTestSupport.caseField("flags", in: text) ?? "").split(separator: " ").map(String.init)
        let check = ToolTestSupport.caseField("check", in: text)
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let run = try ToolTestSupport.run("merge-yaml", ["cases/\(caseFile)", out] + flags, in: ToolTestSupport.fixtures)
        if check == "error" {
            #expect(run.status != 0)
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1, "expected one error line, got: \(run.stderr)")
            #expect(lines.first?.contains("error:") == true)
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).isEmpty, "left partial output behind")
        } else {
            #expect(run.status == 0, "merge-yaml failed: \(run.stderr)")
        }
        let verdict = try ToolTestSupport.compare(output: out, caseFile: caseFile)
        #expect(verdict.status == 0, "compare.py: \(verdict.stdout.suffix(3000)) \(verdict.stderr)")
    }
}
