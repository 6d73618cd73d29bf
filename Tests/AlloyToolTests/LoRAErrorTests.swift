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
