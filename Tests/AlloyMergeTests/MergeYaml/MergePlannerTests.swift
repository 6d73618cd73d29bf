@testable import AlloyFormat
@testable import AlloyMerge
@testable import AlloyModel
import AlloyTestSupport
import Foundation
import Testing

/// Planning against the fixture models: layer renumbering, gradient positions,
/// parameter precedence, tied heads.
@Suite struct MergePlannerTests {
    func plan(_ yaml: String) throws -> MergePlan {
        try MergePlanner().plan(try MergeConfigurationParser.parse(yaml))
    }

    func tensor(_ p: MergePlan, _ name: String) -> TensorPlan? { p.tensors.first { $0.name == name } }

    @Test func layoutIsInferredFromNames() throws {
        let store = try TensorStore(path: TestPaths.model("llama-base"))
        let layout = ModelLayout(names: store.names, configLayerCount: 4)
        #expect(layout.layerPrefix == "model.layers")
        #expect(layout.layerCount == 4)
        #expect(layout.preLayer == ["model.embed_tokens.weight"])
        #expect(Set(layout.postLayer) == ["lm_head.weight", "model.norm.weight"])
        #expect(layout.layerSuffixes[2].count == 9)
        #expect(layout.embedding == "model.embed_tokens.weight")
    }

    @Test func frankenmergeRenumbersLayersAndPicksPostWeightsFromTheLastSlice() throws {
        let p = try plan("""
            merge_method: passthrough
            slices:
              - sources: [{model: \(TestPaths.model("llama-base")), layer_range: [0, 3]}]
              - sources: [{model: \(TestPaths.model("llama-ft1")), layer_range: [1, 4]}]
            """)
        #expect(p.layerCount == 6)
        #expect(p.outputConfig.json["num_hidden_layers"]?.intValue == 6)
        let l4 = try #require(tensor(p, "model.layers.4.mlp.up_proj.weight"))
        #expect(l4.inputs.map(\.tensor) == ["model.layers.2.mlp.up_proj.weight"])
        #expect(l4.inputs[0].modelName.hasSuffix("llama-ft1"))
        #expect(l4.t == 0.5)
        #expect(tensor(p, "model.norm.weight")?.inputs[0].modelName.hasSuffix("llama-ft1") == true)
        #expect(tensor(p, "model.embed_tokens.weight")?.inputs[0].modelName.hasSuffix("llama-base") == true)
    }

    @Test func parametersFollowMergekitPrecedence() throws {
        let base = TestPaths.model("llama-base"), ft1 = TestPaths.model("llama-ft1"), ft2 = TestPaths.model("llama-ft2")
        let p = try plan("""
            merge_method: task_arithmetic
            base_model: \(base)
            slices:
              - sources:
                  - {model: \(base), layer_range: [0, 2]}
                  - {model: \(ft1), layer_range: [0, 2]}
                  - {model: \(ft2), layer_range: [0, 2], parameters: {weight: 0.9}}
              - sources:
                  - {model: \(base), layer_range: [2, 4]}
                  - {model: \(ft1), layer_range: [2, 4]}
                  - {model: \(ft2), layer_range: [2, 4]}
                parameters: {weight: 0.1}
            parameters: {weight: [0.2, 0.6], lambda: 2}
            """)
        let first = try #require(tensor(p, "model.layers.1.self_attn.q_proj.weight"))
        #expect(first.inputs[2].parameters["weight"] == .number(0.9))
        #expect(first.inputs[1].parameters["weight"] == .number(0.6))  // global gradient at t = 1 of slice 0
        let second = try #require(tensor(p, "model.layers.2.self_attn.q_proj.weight"))
        #expect(second.inputs.dropFirst().allSatisfy { $0.parameters["weight"] == .number(0.1) })
        #expect(second.t == 0)
        #expect(second.global["lambda"] == .number(2))
        // Pre- and post-layer tensors are evaluated at t = 0, in the first and last slice.
        #expect(tensor(p, "model.embed_tokens.weight")?.inputs[1].parameters["weight"] == .number(0.2))
        #expect(tensor(p, "lm_head.weight")?.inputs[1].parameters["weight"] == .number(0.1))
        #expect(tensor(p, "model.embed_tokens.weight")?.t == 0)
        #expect(first.inputs.first?.isBase == true)
    }

    @Test func tiedHeadBorrowsTheEmbeddingWhenOthersHaveAHead() throws {
        let p = try plan("""
            merge_method: linear
            models:
              - {model: \(TestPaths.model("llama-ft1")), parameters: {weight: 1}}
              - {model: \(TestPaths.model("llama-ft1-tied")), parameters: {weight: 1}}
            """)
        let head = try #require(tensor(p, "lm_head.weight"))
        #expect(head.inputs.map(\.tensor) == ["lm_head.weight", "model.embed_tokens.weight"])
        #expect(head.isOptional && head.isEmbedding)
    }

    /// A frankenmerge ending in a tied model still gets a head when another model has one: the
    /// tied model's embedding, as mergekit writes it.
    @Test func frankenmergeEndingInATiedModelBorrowsItsEmbeddingForTheHead() throws {
        let p = try plan("""
            merge_method: passthrough
            slices:
              - sources: [{model: \(TestPaths.model("llama-ft1")), layer_range: [0, 2]}]
              - sources: [{model: \(TestPaths.model("llama-ft1-tied")), layer_range: [2, 4]}]
            """)
        let head = try #require(tensor(p, "lm_head.weight"))
        #expect(head.inputs.map(\.tensor) == ["model.embed_tokens.weight"])
        #expect(head.inputs.map(\.modelName) == [TestPaths.model("llama-ft1-tied")])
        #expect(p.outputConfig.json["tie_word_embeddings"]?.boolValue == false)
    }

    @Test func fullyTiedModelsGetNoHead() throws {
        let p = try plan("""
            merge_method: linear
            models:
              - {model: \(TestPaths.model("qwen2-ft1")), parameters: {weight: 1}}
              - {model: \(TestPaths.model("qwen2-ft2")), parameters: {weight: 1}}
            """)
        #expect(tensor(p, "lm_head.weight") == nil)
        #expect(p.outputConfig.json["tie_word_embeddings"]?.boolValue == true)
    }

    /// model_stock drops an optional tensor (the LM head) that only the base and one other
    /// model have; the plan leaves it out before anything is written instead of failing mid-run.
    @Test func modelStockOptionalHeadIsDecidedAtPlanTime() throws {
        #expect(ModelStock().keepsOptionalTensor(models: 1, hasBase: true) == false)
        #expect(ModelStock().keepsOptionalTensor(models: 2, hasBase: true))
        #expect(ModelStock().keepsOptionalTensor(models: 0, hasBase: true))
        #expect(LinearMerge().keepsOptionalTensor(models: 1, hasBase: false))
        let config = try MergeConfigurationParser.parse("""
            merge_method: model_stock
            base_model: \(TestPaths.model("llama-base"))
            models:
              - model: \(TestPaths.model("llama-ft1"))
              - model: \(TestPaths.model("llama-ft2"))
            """)
        let models = try config.referencedModels.map { try ModelSourceFactory.open($0, hooks: MergeHooks()) }
        let context = TensorContext(config: config, method: ModelStock(), models: models, transforms: [])
        func slice(_ sources: [Int]) -> MergePlanner.Slice {
            MergePlanner.Slice(key: "models", sources: sources.map {
                MergePlanner.Source(key: "models[\($0)]", model: $0, range: 0..<4, parameters: .init())
            }, parameters: .init(), base: 0)
        }
        var warnings: [String] = []
        let two = try context.plan(name: "lm_head.weight", position: .postLayer, slice: slice([0, 1]), sliceIndex: 0, t: 0,
                                   inputName: { _, _ in "lm_head.weight" }, warnings: &warnings)
        #expect(two == nil)
        #expect(warnings.contains { $0.hasPrefix("lm_head.weight: left out") })
        let three = try context.plan(name: "lm_head.weight", position: .postLayer, slice: slice([0, 1, 2]), sliceIndex: 0, t: 0,
                                     inputName: { _, _ in "lm_head.weight" }, warnings: &warnings)
        #expect(three?.inputs.count == 3)
        // A required tensor is never dropped: model_stock fails on it at merge time, as mergekit does.
        let norm = try context.plan(name: "model.norm.weight", position: .postLayer, slice: slice([0, 1]), sliceIndex: 0, t: 0,
                                    inputName: { _, _ in "model.norm.weight" }, warnings: &warnings)
        #expect(norm?.inputs.count == 2)
    }

    /// An output without a head whose inputs had one is marked tied, at the key the config uses.
    @Test func droppedHeadTiesTheEmbeddings() throws {
        var untied = ModelConfig(json: try JSONParser.parse(#"{"tie_word_embeddings": false, "num_hidden_layers": 2}"#))
        untied.tieEmbeddingsIfHeadless(wroteHead: false, inputsHadHead: true)
        #expect(untied.json["tie_word_embeddings"]?.boolValue == true)
        var nested = ModelConfig(json: try JSONParser.parse(#"{"text_config": {"tie_word_embeddings": false}}"#))
        nested.tieEmbeddingsIfHeadless(wroteHead: false, inputsHadHead: true)
        #expect(nested.value(at: "text_config.tie_word_embeddings")?.boolValue == true)
        #expect(nested.json["tie_word_embeddings"] == nil)
        var kept = ModelConfig(json: try JSONParser.parse(#"{"tie_word_embeddings": false}"#))
        kept.tieEmbeddingsIfHeadless(wroteHead: true, inputsHadHead: true)
        #expect(kept.json["tie_word_embeddings"]?.boolValue == false)
    }

    /// Per-layer lists follow a frankenmerge's layers; a models: merge keeps them verbatim.
    @Test func perLayerListsFollowTheLayers() throws {
        let a = ModelConfig(json: try JSONParser.parse(#"{"num_hidden_layers": 3, "layer_types": ["s", "s", "f"], "max_window_layers": 3}"#))
        let b = ModelConfig(json: try JSONParser.parse(#"{"num_hidden_layers": 3, "layer_types": ["x", "y", "z"]}"#))
        #expect(a.perLayerListKeys == ["layer_types"])
        var out = a
        out.rebuildPerLayerLists(origins: [(a, 0), (a, 1), (b, 1), (b, 2)])
        #expect(out.json["layer_types"] == .array(["s", "s", "y", "z"].map(JSONValue.string)))
        #expect(out.json["max_window_layers"] == .number("3"))
    }

    @Test func dtypesFollowMergekit() throws {
        let p = try plan("""
            merge_method: linear
            base_model: \(TestPaths.model("llama-base"))
            models:
              - {model: \(TestPaths.model("llama-ft1-fp16")), parameters: {weight: 1}}
              - {model: \(TestPaths.model("llama-base")), parameters: {weight: 1}}
            """)
        #expect(p.tensors.allSatisfy { $0.outputDType == .F32 })
        #expect(p.outputConfig.json["torch_dtype"]?.stringValue == "bfloat16")
        let q = try plan("""
            merge_method: linear
            models: [{model: \(TestPaths.model("llama-ft1")), parameters: {weight: 1}}]
            dtype: float32
            out_dtype: float16
            """)
        #expect(q.tensors.allSatisfy { $0.outputDType == .F16 && $0.workingDType == .F32 })
        #expect(q.outputConfig.json["torch_dtype"]?.stringValue == "float16")
    }

    @Test func slerpCoefficientsMatchTheWorkedExample() {
        let (s0, s1) = SlerpMerge.coefficients(t: 0.3, statistics: (1, 1, 0))
        #expect(abs(s0 - 0.8910) < 1e-4 && abs(s1 - 0.4540) < 1e-4)
        let (l0, l1) = SlerpMerge.coefficients(t: 0.3, statistics: (1, 4, 2))  // colinear: plain lerp
        #expect(l0 == 0.7 && l1 == 0.3)
    }
}
