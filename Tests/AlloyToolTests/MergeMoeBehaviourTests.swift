import AlloyCore
import Foundation
import Testing

/// merge-moe beyond the public cases: refusals, other families, layouts, noise and scaling.
@Suite struct MergeMoeBehaviourTests {
    static func model(_ name: String) -> String { ToolTestSupport.fixtures + "/models/" + name }

    /// Writes `yaml` to a fresh folder and runs merge-moe on it; returns the result and the output path.
    static func run(_ yaml: String, _ flags: [String] = []) throws -> (ToolTestSupport.Result, String) {
        let dir = ToolTestSupport.temporaryDirectory()
        try yaml.write(toFile: dir + "/moe.yml", atomically: true, encoding: .utf8)
        let out = dir + "/out"
        return (try ToolTestSupport.run("merge-moe", [dir + "/moe.yml", out, "--quiet"] + flags, in: dir), out)
    }

    static let twoExperts = """
        base_model: \(model("llama-base"))
        gate_mode: random
        experts:
          - source_model: \(model("llama-ft1"))
          - source_model: \(model("llama-ft2"))
        """

    /// A refusal: exit 2, one stderr line naming `mention`, no output directory.
    static func expectRefusal(_ yaml: String, mentioning mention: String, flags: [String] = []) throws {
        let (r, out) = try run(yaml, flags)
        #expect(r.status == 2, "status \(r.status): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(mention), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func unknownGateModeIsRefused() throws {
        try Self.expectRefusal(Self.twoExperts.replacingOccurrences(of: "gate_mode: random", with: "gate_mode: hiddn"),
                               mentioning: "gate_mode")
    }

    @Test func expertOfAnotherArchitectureIsRefused() throws {
        try Self.expectRefusal(Self.twoExperts.replacingOccurrences(of: Self.model("llama-ft2"), with: Self.model("mistral-ft1")),
                               mentioning: "model_type mistral")
    }

    @Test func expertWithAnotherHiddenSizeIsRefused() throws {
        let dir = ToolTestSupport.temporaryDirectory() + "/wide"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/model.safetensors",
                                                   withDestinationPath: Self.model("llama-ft2") + "/model.safetensors")
        let config = try String(contentsOfFile: Self.model("llama-ft2") + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: "\"hidden_size\": 64", with: "\"hidden_size\": 128")
            .write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try Self.expectRefusal(Self.twoExperts.replacingOccurrences(of: Self.model("llama-ft2"), with: dir),
                               mentioning: "hidden_size 128")
    }

    @Test func familyThatCannotHoldTheExpertsIsRefused() throws {
        try Self.expectRefusal(Self.twoExperts + "\narchitecture: qwen3\n", mentioning: "no output family can hold")
        try Self.expectRefusal(Self.twoExperts + "\narchitecture: mixtral\nshared_experts:\n  - source_model: \(Self.model("llama-base"))\n",
                               mentioning: "Mixtral has no shared experts")
        try Self.expectRefusal(Self.twoExperts + "\narchitecture: nonesuch\n", mentioning: "architecture")
    }

    @Test func identicalExpertsNeedTheFlag() throws {
        let same = Self.twoExperts.replacingOccurrences(of: Self.model("llama-ft2"), with: Self.model("llama-ft1"))
        try Self.expectRefusal(same, mentioning: "--i-understand-this-is-not-useful-without-training")
        let (r, _) = try Self.run(same, ["--i-understand-this-is-not-useful-without-training"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func promptGatesNeedPrompts() throws {
        try Self.expectRefusal(Self.twoExperts.replacingOccurrences(of: "gate_mode: random", with: "gate_mode: hidden"),
                               mentioning: "experts[0].positive_prompts")
    }

    @Test func perExpertLayoutHoldsTheSameNumbersAsFused() throws {
        let (fusedRun, fusedOut) = try Self.run(Self.twoExperts, ["--random-seed", "3"])
        let (splitRun, splitOut) = try Self.run(Self.twoExperts, ["--random-seed", "3", "--expert-layout", "per-expert"])
        #expect(fusedRun.status == 0 && splitRun.status == 0, "\(fusedRun.stderr) \(splitRun.stderr)")
        let fused = try TensorStore(path: fusedOut), split = try TensorStore(path: splitOut)
        let gateUp = try fused.tensor("model.layers.2.mlp.experts.gate_up_proj")
        let down = try fused.tensor("model.layers.2.mlp.experts.down_proj")
        #expect(gateUp.shape == [2, 256, 64] && down.shape == [2, 64, 128])
        for e in 0..<2 {
            let w1 = try split.tensor("model.layers.2.block_sparse_moe.experts.\(e).w1.weight").values
            let w3 = try split.tensor("model.layers.2.block_sparse_moe.experts.\(e).w3.weight").values
            let w2 = try split.tensor("model.layers.2.block_sparse_moe.experts.\(e).w2.weight").values
            let block = Array(gateUp.values[(e * 256 * 64)..<((e + 1) * 256 * 64)])
            #expect(block == w1 + w3)
            #expect(Array(down.values[(e * 64 * 128)..<((e + 1) * 64 * 128)]) == w2)
        }
        // Same seed, same random routers in both layouts; the source expert is copied exactly.
        #expect(try fused.tensor("model.layers.1.mlp.gate.weight") == split.tensor("model.layers.1.block_sparse_moe.gate.weight"))
        let source = try TensorStore(path: Self.model("llama-ft2"))
        #expect(try split.tensor("model.layers.0.block_sparse_moe.experts.1.w2.weight") == source.tensor("model.layers.0.mlp.down_proj.weight"))
    }

    @Test func seedDecidesRandomRouters() throws {
        let (a, outA) = try Self.run(Self.twoExperts, ["--random-seed", "5"])
        let (b, outB) = try Self.run(Self.twoExperts, ["--random-seed", "5"])
        let (c, outC) = try Self.run(Self.twoExperts, ["--random-seed", "6"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0)
        let name = "model.layers.0.mlp.gate.weight"
        let ta = try TensorStore(path: outA).tensor(name), tb = try TensorStore(path: outB).tensor(name)
        #expect(ta == tb)
        #expect(ta != (try TensorStore(path: outC).tensor(name)))
    }

    @Test func residualScaleAndNoiseApplyToTheExpert() throws {
        let yaml = """
            base_model: \(Self.model("llama-base"))
            gate_mode: uniform_random
            dtype: float32
            experts:
              - source_model: \(Self.model("llama-ft1"))
                residual_scale: 0.5
              - source_model: \(Self.model("llama-ft2"))
                noise_scale: 0.01
            """
        let (r, out) = try Self.run(yaml, ["--expert-layout", "per-expert"])
        #expect(r.status == 0, "\(r.stderr)")
        let moe = try TensorStore(path: out)
        let ft1 = try TensorStore(path: Self.model("llama-ft1")), ft2 = try TensorStore(path: Self.model("llama-ft2"))
        let scaled = try moe.tensor("model.layers.1.block_sparse_moe.experts.0.w2.weight").values
        let original = try ft1.tensor("model.layers.1.mlp.down_proj.weight").values
        #expect(zip(scaled, original).allSatisfy { $0 == $1 * 0.5 })
        #expect(try moe.tensor("model.layers.1.block_sparse_moe.experts.0.w1.weight").values
            == ft1.tensor("model.layers.1.mlp.gate_proj.weight").values)
        let noisy = try moe.tensor("model.layers.1.block_sparse_moe.experts.1.w3.weight").values
        let clean = try ft2.tensor("model.layers.1.mlp.up_proj.weight").values
        let diffs = zip(noisy, clean).map { Double($0 - $1) }
        let mean = diffs.reduce(0, +) / Double(diffs.count)
        let std = (diffs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(diffs.count)).squareRoot()
        #expect(abs(std - 0.01) < 0.0005 && abs(mean) < 0.0005, "noise mean \(mean) std \(std)")
        let bound = 1 / Float(64).squareRoot()
        let router = try moe.tensor("model.layers.0.block_sparse_moe.gate.weight").values
        #expect(router.allSatisfy { abs($0) <= bound })
    }

    @Test func qwenMoEFromQwen2KeepsTiedEmbeddingsAndGatesTheSharedExpert() throws {
        let yaml = """
            base_model: \(Self.model("qwen2-base"))
            gate_mode: cheap_embed
            experts:
              - source_model: \(Self.model("qwen2-ft1"))
                positive_prompts: ["merge the weights"]
              - source_model: \(Self.model("qwen2-ft2"))
                positive_prompts: ["the kettle boiled"]
            shared_experts:
              - source_model: \(Self.model("qwen2-base"))
                positive_prompts: ["anything at all"]
            """
        let (r, out) = try Self.run(yaml)
        #expect(r.status == 0, "\(r.stderr)")
        let config = try JSONFile.read(out + "/config.json")
        #expect(config["model_type"]?.stringValue == "qwen2_moe")
        #expect(config["num_experts"]?.intValue == 2 && config["shared_expert_intermediate_size"]?.intValue == 96)
        let moe = try TensorStore(path: out)
        #expect(!moe.contains("lm_head.weight"))
        #expect(moe.info("model.layers.3.mlp.shared_expert_gate.weight")?.shape == [1, 64])
        #expect(moe.info("model.layers.3.mlp.experts.1.down_proj.weight")?.shape == [64, 96])
        #expect(moe.contains("model.layers.0.self_attn.q_proj.bias"))
        let shared = try moe.tensor("model.layers.0.mlp.shared_expert_gate.weight").values
        #expect(abs(shared.map { Double($0 * $0) }.reduce(0, +) - 1) < 0.01, "shared gate row is a unit vector")
    }

    @Test func llamaIntoQwenMoEGetsZeroAttentionBiases() throws {
        let yaml = Self.twoExperts + "\narchitecture: qwen\nshared_experts:\n  - source_model: \(Self.model("llama-base"))\n"
        let (r, out) = try Self.run(yaml)
        #expect(r.status == 0, "\(r.stderr)")
        let moe = try TensorStore(path: out)
        let bias = try moe.tensor("model.layers.2.self_attn.k_proj.bias")
        #expect(bias.shape == [32] && bias.values.allSatisfy { $0 == 0 })
        #expect(moe.info("model.layers.2.mlp.shared_expert_gate.weight")?.shape == [1, 64])
    }

    @Test func deepSeekTakesAnUngatedSharedExpert() throws {
        let yaml = Self.twoExperts + "\nshared_experts:\n  - source_model: \(Self.model("llama-base"))\n"
        let (r, out) = try Self.run(yaml, ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONParser.parse(r.stdout)
        #expect(summary["family"]?.stringValue == "DeepSeek MoE" && summary["layout"]?.stringValue == "per-expert")
        let config = try JSONFile.read(out + "/config.json")
        #expect(config["model_type"]?.stringValue == "deepseek" && config["n_routed_experts"]?.intValue == 2)
        let moe = try TensorStore(path: out)
        #expect(moe.info("model.layers.1.mlp.shared_experts.down_proj.weight")?.shape == [64, 128])
        #expect(moe.info("model.layers.1.mlp.gate.weight")?.shape == [2, 64])
        try Self.expectRefusal(yaml, mentioning: "DeepSeek MoE", flags: ["--expert-layout", "fused"])
    }

    @Test func shardedOutputStillMatchesTheReference() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/out"
        let r = try ToolTestSupport.run("merge-moe", ["cases/moe-4exp-cheap_embed.yml", out, "--out-shard-size", "300K",
                                                      "--i-understand-this-is-not-useful-without-training"],
                                        in: ToolTestSupport.fixtures)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors.index.json"))
        #expect(FileManager.default.fileExists(atPath: out + "/model-00002-of-00004.safetensors"))
        let verdict = try ToolTestSupport.compare(output: out, caseFile: "moe-4exp-cheap_embed.yml")
        #expect(verdict.status == 0, "\(verdict.stdout.suffix(2000))")
    }
}
