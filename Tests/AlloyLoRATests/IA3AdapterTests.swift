import Foundation
import Testing
@testable import AlloyFormat
@testable import AlloyLoRA
import AlloyTestSupport

/// (IA)³ folding and merging, against numbers computed here with plain loops from the
/// adapter files (not against Alloy's own output).
@Suite struct IA3AdapterTests {
    static let adapters = TestPaths.sharedFixtures + "/adapters"

    /// bf16 round-to-nearest-even of a float, written out independently of Alloy's codec.
    static func bf16(_ x: Float) -> Float {
        let bits = x.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return Float(bitPattern: rounded & 0xFFFF_0000)
    }

    @Test func foldScalesOutputRowsForAttentionAndInputColumnsForFeedforward() throws {
        let base = try TensorStore(path: TestPaths.model("llama-base"))
        let adapter = try IA3Adapter(path: Self.adapters + "/ia3-b")
        #expect(adapter.modules.count == 16)
        #expect(adapter.module("model.layers.1.mlp.up_proj")?.isFeedforward == true)
        #expect(adapter.module("model.layers.1.self_attn.k_proj")?.isFeedforward == false)
        let folded = try AdapterFoldedSource(base: base, adapter: adapter)
        for (path, feedforward) in [("model.layers.1.self_attn.k_proj", false), ("model.layers.2.mlp.up_proj", true),
                                    ("model.layers.3.mlp.down_proj", true)] {
            let w = try base.tensor(path + ".weight"), got = try folded.tensor(path + ".weight")
            let l = try adapter.store.tensor(LoRAAdapter.peftPrefix + path + ".ia3_l").values
            let (rows, cols) = (w.shape[0], w.shape[1])
            #expect(l.count == (feedforward ? cols : rows), "\(path)")
            var worst: Float = 0
            for o in 0..<rows {
                for i in 0..<cols {
                    let expected = w.values[o * cols + i] * l[feedforward ? i : o]
                    worst = max(worst, abs(expected - got.values[o * cols + i]))
                }
            }
            #expect(worst == 0, "\(path): \(worst)")
            #expect(folded.isChanged(path + ".weight"))
        }
        #expect(!folded.isChanged("model.layers.1.self_attn.q_proj.weight"))
        #expect(try folded.tensor("model.layers.1.self_attn.q_proj.weight") == base.tensor("model.layers.1.self_attn.q_proj.weight"))
    }

    @Test func bf16BaseIsRoundedOnceFromTheFloatProduct() throws {
        let base = try TensorStore(path: TestPaths.model("llama-base"))
        #expect(base.info("model.layers.0.mlp.up_proj.weight")?.dtype == .BF16)
        let adapter = try IA3Adapter(path: Self.adapters + "/ia3-b")
        let out = TestPaths.temporaryDirectory() + "/folded"
        _ = try ModelDirectoryWriter(threads: 1).write(AdapterFoldedSource(base: base, adapter: adapter), to: out, sideFilesFrom: nil)
        let written = try TensorStore(path: out)
        let path = "model.layers.0.mlp.up_proj"
        #expect(written.info(path + ".weight")?.dtype == .BF16)
        let w = try base.tensor(path + ".weight"), got = try written.tensor(path + ".weight")
        let l = try adapter.store.tensor(LoRAAdapter.peftPrefix + path + ".ia3_l").values
        let cols = w.shape[1]
        var mismatches = 0
        for k in w.values.indices where Self.bf16(w.values[k] * l[k % cols]) != got.values[k] { mismatches += 1 }
        #expect(mismatches == 0)
    }

    /// Writes an (IA)³ adapter directory from `vectors` (module path → shape, values).
    static func writeAdapter(_ dir: String, config: JSONValue, vectors: [(String, [Int], [Float])]) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONFile.write(config, to: dir + "/adapter_config.json")
        let w = try SafetensorsWriter(path: dir + "/adapter_model.safetensors",
                                      tensors: vectors.map { TensorSpec(name: LoRAAdapter.peftPrefix + $0.0 + ".ia3_l", dtype: .F32, shape: $0.1) })
        for v in vectors { try w.write(LoRAAdapter.peftPrefix + v.0 + ".ia3_l", values: v.2) }
        try w.finish()
    }

    @Test func fanInFanOutTransposesTheVectorAndBiasesAreScaled() throws {
        // A GPT-2 style base: Conv1D weights stored in × out (4 × 3), with a bias of 3.
        let dir = TestPaths.temporaryDirectory()
        let weight = (0..<12).map { Float($0) + 1 }, bias: [Float] = [1, -2, 3]
        let w = try SafetensorsWriter(path: dir + "/model.safetensors", tensors: [
            TensorSpec(name: "h.0.attn.c_attn.weight", dtype: .F32, shape: [4, 3]),
            TensorSpec(name: "h.0.attn.c_attn.bias", dtype: .F32, shape: [3]),
            TensorSpec(name: "h.0.mlp.c_proj.weight", dtype: .F32, shape: [4, 3]),
            TensorSpec(name: "h.0.mlp.c_proj.bias", dtype: .F32, shape: [3]),
        ])
        for n in ["h.0.attn.c_attn", "h.0.mlp.c_proj"] {
            try w.write(n + ".weight", values: weight)
            try w.write(n + ".bias", values: bias)
        }
        try w.finish()
        let out: [Float] = [2, 0.5, -1], inp: [Float] = [3, 1, 0.25, -2]
        try Self.writeAdapter(dir + "/ia3", config: .object([
            ("peft_type", "IA3"), ("fan_in_fan_out", true), ("target_modules", .array(["c_attn", "c_proj"])),
            ("feedforward_modules", .array(["c_proj"])),
        ]), vectors: [("h.0.attn.c_attn", [3, 1], out), ("h.0.mlp.c_proj", [1, 4], inp)])
        let base = try TensorStore(path: dir + "/model.safetensors")
        let folded = try AdapterFoldedSource(base: base, adapter: IA3Adapter(path: dir + "/ia3"))
        let attn = try folded.tensor("h.0.attn.c_attn.weight").values, mlp = try folded.tensor("h.0.mlp.c_proj.weight").values
        for i in 0..<4 {
            for o in 0..<3 {
                #expect(attn[i * 3 + o] == weight[i * 3 + o] * out[o])   // output scaling: columns of the stored weight
                #expect(mlp[i * 3 + o] == weight[i * 3 + o] * inp[i])    // input scaling: rows
            }
        }
        #expect(try folded.tensor("h.0.attn.c_attn.bias").values == zip(bias, out).map { $0 * $1 })
        #expect(try folded.tensor("h.0.mlp.c_proj.bias").values == bias)  // feed-forward: bias untouched
        #expect(!folded.isChanged("h.0.mlp.c_proj.bias"))
    }

    @Test func wrongFeedforwardModulesIsAClearError() throws {
        let dir = TestPaths.temporaryDirectory()
        try Self.writeAdapter(dir, config: .object([("peft_type", "IA3"), ("target_modules", .array(["up_proj"])),
                                                    ("feedforward_modules", .array([]))]),
                              vectors: [("model.layers.0.mlp.up_proj", [1, 64], [Float](repeating: 1, count: 64))])
        #expect(throws: AlloyError.self) { try IA3Adapter(path: dir) }
    }

    /// `Σ w_i·l_i` over the adapters present, in order, from the files.
    static func expectedMerge(_ paths: [String], weights: [Float], module: String, identity: Bool) throws -> [Float] {
        var l: [Float]?
        var n = 0
        for p in paths {
            let s = try TensorStore(path: p + "/adapter_model.safetensors")
            if let t = try? s.tensor(LoRAAdapter.peftPrefix + module + ".ia3_l") { n = t.values.count }
        }
        l = [Float](repeating: 0, count: n)
        for (p, w) in zip(paths, weights) {
            let s = try TensorStore(path: p + "/adapter_model.safetensors")
            if s.contains(LoRAAdapter.peftPrefix + module + ".ia3_l") {
                let v = try s.tensor(LoRAAdapter.peftPrefix + module + ".ia3_l").values
                for k in 0..<n { l![k] += v[k] * w }
            } else if identity {
                for k in 0..<n { l![k] += w }
            }
        }
        return l!
    }

    @Test(arguments: [false, true])
    func mergeSumsWeightedVectorsOfThePresentAdapters(identity: Bool) throws {
        // ia3-c lacks up_proj, which ia3-b has: the partial modules.
        let paths = ["ia3-c", "ia3-b", "ia3-a"].map { Self.adapters + "/" + $0 }
        let weights: [Double] = [0.3, 0.9, -0.45]
        let merger = try IA3Merger(adapters: paths.map { try IA3Adapter(path: $0) }, weights: weights, missingAsIdentity: identity)
        #expect(merger.modulePaths.count == 16)
        #expect(merger.partialModules == (0..<4).map { "model.layers.\($0).mlp.up_proj" })
        #expect(merger.warnings.contains { $0.contains("model.layers.0.mlp.up_proj") && $0.contains("--ia3-missing-as-identity") })
        for module in ["model.layers.0.mlp.up_proj", "model.layers.2.self_attn.v_proj", "model.layers.3.mlp.down_proj"] {
            let expected = try Self.expectedMerge(paths, weights: weights.map(Float.init), module: module, identity: identity)
            #expect(try merger.merge(module) == expected, "\(module)")
        }
        let config = try merger.mergedConfig()
        #expect(config["feedforward_modules"]?.arrayValue?.compactMap(\.stringValue) == ["down_proj", "up_proj"])
        #expect(config["target_modules"]?.arrayValue?.compactMap(\.stringValue) == ["down_proj", "k_proj", "up_proj", "v_proj"])
        #expect(config["peft_type"]?.stringValue == "IA3")
    }

    @Test func mergedAdapterIsWrittenInPEFTLayoutAndReadsBack() throws {
        let paths = ["ia3-b", "ia3-a"].map { Self.adapters + "/" + $0 }
        let out = TestPaths.temporaryDirectory() + "/merged"
        let merger = try IA3Merger(adapters: paths.map { try IA3Adapter(path: $0) }, weights: [0.25, 0.75])
        try merger.write(to: out)
        let back = try IA3Adapter(path: out)
        #expect(back.modules.map(\.path) == merger.modulePaths)
        let m = try #require(back.module("model.layers.1.mlp.down_proj"))
        #expect(m.isFeedforward && m.shape == [1, 128])
        let expected = try Self.expectedMerge(paths, weights: [0.25, 0.75], module: m.path, identity: false)
        #expect(try back.store.tensor(m.name).values == expected)
        #expect(back.store.info(m.name)?.dtype == .F32)
    }

    @Test func bf16MergeRoundsAfterEveryAddition() throws {
        // PEFT's merged buffer has the base's dtype: each `+=` rounds.
        let paths = ["ia3-a", "ia3-b"].map { Self.adapters + "/" + $0 }
        let merger = try IA3Merger(adapters: paths.map { try IA3Adapter(path: $0) }, weights: [0.5, 0.5], dtype: .BF16)
        let module = "model.layers.2.self_attn.k_proj"
        let a = try IA3Adapter(path: paths[0]).store.tensor(LoRAAdapter.peftPrefix + module + ".ia3_l").values
        let b = try IA3Adapter(path: paths[1]).store.tensor(LoRAAdapter.peftPrefix + module + ".ia3_l").values
        let expected = zip(a, b).map { Self.bf16(Self.bf16(0 + $0 * 0.5) + $1 * 0.5) }
        #expect(try merger.merge(module) == expected)
    }

    @Test func kroneckerProductMatchesTheDefinition() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [1, 3], values: [1, 10, 100])
        let k = Kronecker.product(a, b)
        #expect(k.shape == [2, 6])
        #expect(k.values == [1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400])
        // A 2-D factor meets a 4-D one (conv LoKr): trailing 1s, kernel axes from the second.
        let c = Kronecker.product(Tensor(shape: [1, 2], values: [1, -1]), Tensor(shape: [1, 1, 2, 1], values: [5, 7]))
        #expect(c.shape == [1, 2, 2, 1] && c.values == [5, 7, -5, -7])
    }

    @Test func cpRebuildMatchesTheEinsum() {
        // out[p, r, k] = Σ_i Σ_j t[i, j, k]·a[i, p]·b[j, r]
        let t = Tensor(shape: [2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        let a = Tensor(shape: [2, 3], values: [1, 0, 2, -1, 1, 0]), b = Tensor(shape: [2, 1], values: [2, -3])
        let got = LyCORISMath.cpRebuild(t, a: a, b: b)
        #expect(got.shape == [3, 1, 2])
        for p in 0..<3 {
            for k in 0..<2 {
                var s: Float = 0
                for i in 0..<2 { for j in 0..<2 { s += t.values[(i * 2 + j) * 2 + k] * a.values[i * 3 + p] * b.values[j] } }
                #expect(got.values[p * 2 + k] == s)
            }
        }
    }
}
