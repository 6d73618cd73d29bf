@testable import AlloyFormat
@testable import AlloyMerge
@testable import AlloyModel
import AlloyTestSupport
import Foundation
import Testing

/// The extension points other features plug into: vocabulary transforms and adapter views.
@Suite struct MergeHooksTests {
    /// Appends two rows of 1s to every embedding-like input (a stand-in for vocabulary re-indexing).
    struct PadRows: InputTransform {
        func applies(to name: String) -> Bool { ModelLayout.isEmbedding(name) }
        func transformedShape(_ name: String, model: String, shape: [Int]) -> [Int] { [shape[0] + 2, shape[1]] }
        func transform(_ name: String, base: MergeInput?, models: [MergeInput]) throws -> (base: MergeInput?, models: [MergeInput]) {
            func pad(_ m: MergeInput) -> MergeInput {
                var m = m
                m.tensor = Tensor(shape: [m.tensor.shape[0] + 2, m.tensor.shape[1]],
                                  values: m.tensor.values + [Float](repeating: 1, count: 2 * m.tensor.shape[1]))
                return m
            }
            return (base.map(pad), models.map(pad))
        }
    }

    struct Vocabulary: VocabularyBuilder {
        func prepare(_ context: VocabularyContext) throws -> VocabularyResult {
            VocabularyResult(transforms: [PadRows()], vocabSize: 402) { dir in
                try "merged".write(toFile: dir + "/tokenizer.json", atomically: false, encoding: .utf8)
            }
        }
    }

    final class Calls: @unchecked Sendable { var adapters: [String] = [] }

    @Test func vocabularyAndAdapterHooksShapeTheOutput() throws {
        let calls = Calls()
        let hooks = MergeHooks(adapterSource: { base, adapter in
            calls.adapters.append(adapter)
            return base
        }, vocabulary: Vocabulary())
        let m = TestPaths.sharedFixtures + "/models"
        let config = try MergeConfigurationParser.parse("""
            merge_method: linear
            models:
              - {model: \(m)/llama-ft1+\(m)/lora-a, parameters: {weight: 1}}
              - {model: \(m)/llama-ft2, parameters: {weight: 1}}
            tokenizer: {source: union}
            dtype: float32
            """)
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var job = MergeJob(outputPath: dir + "/out")
        job.planner = MergePlanner(hooks: hooks)
        job.writeModelCard = false
        let plan = try job.plan(config)
        #expect(calls.adapters == ["\(m)/lora-a"])
        #expect(plan.tensors.first { $0.name == "lm_head.weight" }?.shape == [402, 64])
        _ = try job.run(plan)
        let out = try TensorStore(path: dir + "/out")
        let embed = try out.tensor("model.embed_tokens.weight")
        #expect(embed.shape == [402, 64])
        #expect(embed.values.suffix(128).allSatisfy { $0 == 1 })  // the padded rows, averaged
        let ft1 = try TensorStore(path: "\(m)/llama-ft1").tensor("model.embed_tokens.weight")
        let ft2 = try TensorStore(path: "\(m)/llama-ft2").tensor("model.embed_tokens.weight")
        #expect(embed.values[5] == (ft1.values[5] + ft2.values[5]) / 2)
        let written = try JSONFile.read(dir + "/out/config.json")
        #expect(written["vocab_size"]?.intValue == 402)
        #expect(try String(contentsOfFile: dir + "/out/tokenizer.json", encoding: .utf8) == "merged")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/tokenizer_config.json"))
    }
}
