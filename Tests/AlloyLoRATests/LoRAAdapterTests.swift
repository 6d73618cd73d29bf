@testable import AlloyFormat
@testable import AlloyLoRA
import AlloyTestSupport
import Foundation
import Testing

/// Reading adapters, folding them into a base, and extracting them back.
@Suite struct LoRAAdapterTests {
    @Test func readsPEFTAdapterModulesAndScaling() throws {
        let a = try LoRAAdapter(path: TestPaths.model("lora-a"))
        #expect(a.format == .peft)
        #expect(a.modules.count == 16)
        let q = try #require(a.module("model.layers.0.self_attn.q_proj"))
        #expect(q.kind == .linear && q.rank == 8 && q.aShape == [8, 64])
        #expect(q.scaling == 2)  // lora_alpha 16 / r 8
        #expect(a.module(forWeight: "model.layers.0.self_attn.q_proj.weight") == q)
    }

    @Test func foldedSourceIsBasePlusScaledProduct() throws {
        let base = try TensorStore(path: TestPaths.model("llama-base"))
        let adapter = try LoRAAdapter(path: TestPaths.model("lora-a"))
        let folded = try AdapterFoldedSource(base: base, adapter: adapter)
        let name = "model.layers.1.self_attn.v_proj.weight"
        #expect(folded.isChanged(name) && !folded.isChanged("model.norm.weight"))
        let w = try base.tensor(name), got = try folded.tensor(name)
        let m = try #require(adapter.module(forWeight: name))
        let a = try adapter.tensor(m.aName), b = try adapter.tensor(m.bName)
        let (out, r, inn) = (m.outFeatures, m.rank, m.inFeatures)
        var worst: Float = 0
        for o in 0..<out {
            for i in 0..<inn {
                var s: Float = 0
                for j in 0..<r { s += b.values[o * r + j] * a.values[j * inn + i] }
                worst = max(worst, abs(w.values[o * inn + i] + Float(m.scaling) * s - got.values[o * inn + i]))
            }
        }
        #expect(worst < 1e-5)
        #expect(try folded.tensor("model.norm.weight") == base.tensor("model.norm.weight"))
    }

    @Test func kohyaFileResolvesAgainstTheBaseAndFoldsTheSame() throws {
        // Rewrite lora-a as a kohya file (lora_down/lora_up/alpha) and fold both.
        let peft = try LoRAAdapter(path: TestPaths.model("lora-a"))
        let dir = TestPaths.temporaryDirectory()
        let file = dir + "/kohya.safetensors"
        var specs: [TensorSpec] = []
        for m in peft.modules {
            let stem = "lora_unet_" + m.path.replacingOccurrences(of: ".", with: "_")
            specs += [TensorSpec(name: stem + ".lora_down.weight", dtype: .F32, shape: m.aShape),
                      TensorSpec(name: stem + ".lora_up.weight", dtype: .F32, shape: m.bShape),
                      TensorSpec(name: stem + ".alpha", dtype: .F32, shape: [])]
        }
        let w = try SafetensorsWriter(path: file, tensors: specs)
        for m in peft.modules {
            let stem = "lora_unet_" + m.path.replacingOccurrences(of: ".", with: "_")
            try w.write(stem + ".lora_down.weight", values: try peft.tensor(m.aName).values)
            try w.write(stem + ".lora_up.weight", values: try peft.tensor(m.bName).values)
            try w.write(stem + ".alpha", values: [Float(m.alpha)])
        }
        try w.finish()
        let kohya = try LoRAAdapter(path: file)
        #expect(kohya.format == .kohya && kohya.needsBaseForNames)
        let base = try TensorStore(path: TestPaths.model("llama-base"))
        let a = try AdapterFoldedSource(base: base, adapter: peft), b = try AdapterFoldedSource(base: base, adapter: kohya)
        let name = "model.layers.3.self_attn.o_proj.weight"
        #expect(try a.tensor(name) == b.tensor(name))
        #expect(kohya.module("model.layers.3.self_attn.o_proj")?.scaling == 2)
    }

    @Test func energyRankIsTheSmallestThatKeepsTheFraction() throws {
        var options = ExtractionOptions()
        options.maxRank = 32
        options.energy = 0.6
        options.threads = 1
        let extractor = try LoRAExtractor(model: TensorStore(path: TestPaths.model("llama-ft1")),
                                          base: TensorStore(path: TestPaths.model("llama-base")), options: options)
        let out = TestPaths.temporaryDirectory() + "/adapter"
        let reports = try extractor.write(to: out, baseModelName: "base")
        #expect(!reports.isEmpty)
        for r in reports {
            #expect(r.energyKept >= 0.6 - 1e-9)
            #expect(r.rank <= 32)
            #expect(abs(r.relativeError - (1 - r.energyKept).squareRoot()) < 1e-9)
        }
        // Ranks vary, so the config records the lower ones in both patterns.
        let config = try AdapterConfig.read(out + "/adapter_config.json")
        let lower = reports.filter { $0.rank < config.r }
        #expect(config.rankPattern.count == lower.count)
        for r in lower {
            #expect(config.rank(for: r.module) == r.rank)
            #expect(config.alpha(for: r.module) == Double(r.rank))
        }
    }
}
