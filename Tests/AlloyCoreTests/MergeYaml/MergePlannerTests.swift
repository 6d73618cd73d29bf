import Foundation
import Testing
@testable import AlloyCore

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
