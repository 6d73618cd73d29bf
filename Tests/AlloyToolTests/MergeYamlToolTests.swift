import Foundation
import Testing

/// Behaviour of the `merge-yaml` command line beyond the conformance cases.
@Suite("merge-yaml command line")
struct MergeYamlToolTests {
    static let linear = """
        merge_method: linear
        models:
          - model: ./models/llama-ft1
            parameters: {weight: 0.5}
          - model: ./models/llama-ft2
            parameters: {weight: 0.5}
        dtype: bfloat16

        """

    func temporary() -> String { ToolTestSupport.temporaryDirectory() }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let r = try ToolTestSupport.run("merge-yaml", ["-", out, "--dry-run"], in: ToolTestSupport.fixtures, stdin: Self.linear)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let plan = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(plan?["schema_version"] as? Int == 1)
        #expect(plan?["layers"] as? Int == 4)
        let tensors = plan?["tensors"] as? [[String: Any]] ?? []
        #expect(tensors.count == 39)
        let q = tensors.first { $0["name"] as? String == "model.layers.3.self_attn.q_proj.weight" }
        #expect(q?["t"] as? Double == 1.0)
        let inputs = q?["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.map { ($0["parameters"] as? [String: Any])?["weight"] as? Double } == [0.5, 0.5])
    }

    @Test func stdinConfigWritesModelCardAndVerbatimConfig() throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/merged"
        let r = try ToolTestSupport.run("merge-yaml", ["-", out, "--json", "--quiet"], in: ToolTestSupport.fixtures, stdin: Self.linear)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(summary?["schema_version"] as? Int == 1)
        #expect(summary?["tensors"] as? Int == 39)
        let saved = try String(contentsOfFile: out + "/mergekit_config.yml", encoding: .utf8)
        #expect(saved == Self.linear)
        let card = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        #expect(card.hasPrefix("---\n"))
        #expect(card.contains("- mergekit\n- merge\n"))
        #expect(card.contains("library_name: transformers"))
        #expect(card.contains(Self.linear))
        for f in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f) missing")
        }
    }

    @Test func noCopyTokenizerLeavesTokenizerOut() throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/merged"
        let r = try ToolTestSupport.run("merge-yaml", ["-", out, "--no-copy-tokenizer", "--no-write-model-card", "-j", "1"],
                                        in: ToolTestSupport.fixtures, stdin: Self.linear)
        #expect(r.status == 0, "\(r.stderr)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(files == ["config.json", "model.safetensors"])
    }

    /// Each bad configuration must fail with one line naming the key, and leave nothing behind.
    @Test(arguments: [
        ("merge_method: linear\nmodels:\n  - model: ./models/llama-ft1\n    paramters: {weight: 1}\n", "paramters"),
        ("merge_method: linear\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {weight: 0.5}\n  - model: ./models/llama-ft2\n    parameters: {weight: -0.5}\n", "sum to 0"),
        ("merge_method: linera\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {weight: 1}\n", "linera"),
        ("merge_method: linear\nmodels:\n  - model: ./models/llama-ft1\n", "weight"),
        ("merge_method: linear\nmodels:\n  - model: ./models/nope\n    parameters: {weight: 1}\n", "./models/nope"),
        ("merge_method: linear\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {wieght: 1}\n", "wieght"),
        ("merge_method: passthrough\nslices:\n  - sources:\n      - model: ./models/llama-ft1\n        layer_range: [0, 9]\n", "layer_range"),
        ("merge_method: ties\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {weight: 1, density: 1.5}\nbase_model: ./models/llama-base\n", "density"),
        ("merge_method: linear\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {weight: 1}\n  - model: ./models/qwen2-ft1\n    parameters: {weight: 1}\n", "architecture"),
        ("merge_method: linear\nmodels:\n  - model: ./models/mistral-ft1+./models/lora-a\n    parameters: {weight: 1}\n", "is this adapter for this base model"),
        ("merge_method: linear\ndtype: float8\nmodels:\n  - model: ./models/llama-ft1\n    parameters: {weight: 1}\n", "dtype"),
    ])
    func badConfigurationsFailCleanly(_ config: String, _ mentioned: String) throws {
        let dir = temporary()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let r = try ToolTestSupport.run("merge-yaml", ["-", out], in: ToolTestSupport.fixtures, stdin: config)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(mentioned), "\(r.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).isEmpty)
    }

    @Test func usageErrorsExit64() throws {
        let r = try ToolTestSupport.run("merge-yaml", ["config.yml"], in: ToolTestSupport.fixtures)
        #expect(r.status == 64)
    }
}
