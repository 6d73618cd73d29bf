import Foundation
import Testing

/// `MODEL+ADAPTER` references in merge-yaml fold the adapter in exactly as apply-lora does.
@Suite struct MergeYamlAdapterReferenceTests {
    @Test func adapterReferenceEqualsApplyLora() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        let config = """
            merge_method: linear
            models:
              - model: ./models/llama-base+./models/lora-a
                parameters: {weight: 1.0}
            dtype: float32
            """
        let merged = try ToolTestSupport.run("merge-yaml", ["-", dir + "/merged", "--quiet"], in: ToolTestSupport.fixtures, stdin: config)
        #expect(merged.status == 0, "\(merged.stderr)")
        let applied = try ToolTestSupport.run("apply-lora", ["./models/llama-base", "./models/lora-a", dir + "/applied", "--dtype", "float32"],
                                              in: ToolTestSupport.fixtures)
        #expect(applied.status == 0, "\(applied.stderr)")
        // Same tensors as the fold...
        let same = try ToolTestSupport.run("tensor-diff", [dir + "/merged", dir + "/applied", "--atol", "0", "--rtol", "0"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        // ...which really changed the adapted modules (16 of them in lora-a).
        let changed = try ToolTestSupport.run("tensor-diff", [dir + "/merged", ToolTestSupport.fixtures + "/models/llama-base-fp32", "--json"])
        #expect(changed.status == 1)
        #expect(changed.stdout.contains("q_proj"))
    }

    @Test func missingAdapterIsOneClearLine() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        let config = """
            merge_method: linear
            models:
              - model: ./models/llama-base+./models/no-such-adapter
                parameters: {weight: 1.0}
            """
        let r = try ToolTestSupport.run("merge-yaml", ["-", dir + "/out"], in: ToolTestSupport.fixtures, stdin: config)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("no-such-adapter"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
