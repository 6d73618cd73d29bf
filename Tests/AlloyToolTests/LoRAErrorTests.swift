import AlloyCore
import Foundation
import Testing

/// The LoRA tools refuse inputs that do not fit together, with one clear line and no output.
@Suite struct LoRAErrorTests {
    let models = ToolTestSupport.fixtures + "/models/"

    func expectRefusal(_ tool: String, _ args: [String], out: String, mentions: [String]) throws {
        let run = try ToolTestSupport.run(tool, args)
        #expect(run.status == 2, "\(tool) exited \(run.status): \(run.stderr)")
        for word in mentions { #expect(run.stderr.contains(word), "stderr lacks \"\(word)\": \(run.stderr)") }
        #expect(run.stderr.split(separator: "\n").count == 1, "expected one error line: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func linearRefusesUnequalRanks() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/merged"
        try expectRefusal("merge-lora", [models + "lora-a", models + "lora-c", "--method", "linear", "--weights", "1,1", "--out", out],
                          out: out, mentions: ["equal rank", "r=8", "r=4"])
    }

    @Test func catAcceptsUnequalRanks() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/merged"
        let run = try ToolTestSupport.run("merge-lora", [models + "lora-a", models + "lora-c", "--method", "cat", "--weights", "1,1", "--out", out, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"r\": 12"))
    }

    @Test func applyRefusesAdapterForAnotherBase() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/model"
        // lora-b adapts 128-wide MLPs; qwen2-base's are 96 wide.
        try expectRefusal("apply-lora", [models + "qwen2-base", models + "lora-b", out], out: out,
                          mentions: ["down_proj", "do not fit"])
    }

    @Test func extractRefusesMismatchedBase() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/adapter"
        try expectRefusal("extract-lora", ["--model", models + "llama-ft1", "--base-model", models + "qwen2-base", "--out-path", out],
                          out: out, mentions: ["base"])
    }

    @Test func modulesToSaveComeFromTheBaseAndMustNotConflict() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ft in ["llama-ft1", "llama-ft2"] {
            let run = try ToolTestSupport.run("extract-lora", ["--model", models + ft, "--base-model", models + "llama-base",
                                                               "--out-path", "\(dir)/\(ft)", "--max-rank", "4", "-q"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let merged = dir + "/merged"
        let run = try ToolTestSupport.run("merge-lora", [dir + "/llama-ft1", models + "lora-a", "--method", "svd", "--out", merged,
                                                         "--base-model", models + "llama-base", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let out = try TensorStore(path: merged), base = try TensorStore(path: models + "llama-base")
        #expect(try out.tensor("base_model.model.lm_head.weight") == base.tensor("lm_head.weight"))
        #expect(try out.tensor("base_model.model.model.norm.weight") == base.tensor("model.norm.weight"))
        try expectRefusal("merge-lora", [dir + "/llama-ft1", models + "lora-a", "--method", "svd", "--out", dir + "/nobase"],
                          out: dir + "/nobase", mentions: ["--base-model", "modules_to_save"])
        try expectRefusal("merge-lora", [dir + "/llama-ft1", dir + "/llama-ft2", "--method", "cat", "--out", dir + "/both",
                                         "--base-model", models + "llama-base"], out: dir + "/both", mentions: ["both save"])
    }

    @Test func mergeRefusesMixedTargetModuleTypes() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        let regexAdapter = dir + "/regex"
        try FileManager.default.copyItem(atPath: models + "lora-b", toPath: regexAdapter)
        let configPath = regexAdapter + "/adapter_config.json"
        var text = try String(contentsOfFile: configPath, encoding: .utf8)
        let start = text.range(of: "\"target_modules\": [")!
        let end = text.range(of: "]", range: start.upperBound..<text.endIndex)!
        text.replaceSubrange(start.lowerBound..<end.upperBound, with: "\"target_modules\": \".*proj\"")
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let out = dir + "/merged"
        try expectRefusal("merge-lora", [models + "lora-a", regexAdapter, "--method", "svd", "--weights", "1,1", "--out", out],
                          out: out, mentions: ["target_modules"])
    }
}
