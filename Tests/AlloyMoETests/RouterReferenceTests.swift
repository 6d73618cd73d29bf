@testable import AlloyFormat
@testable import AlloyMoE
@testable import AlloyModel
import AlloyTestSupport
import Foundation
import Testing

/// merge-moe's hidden-state routers against mergekit-moe's (computed by Transformers in bf16).
@Suite struct RouterReferenceTests {
    /// mergekit-moe's routers for the hidden-gate case are unit vectors of the base
    /// model's (bf16, Transformers) hidden states: ours must point the same way.
    @Test func hiddenRoutersMatchMergekitReference() throws {
        let base = TestPaths.model("llama-base")
        let config = try MoEConfig(file: TestPaths.sharedFixtures + "/cases/moe-2exp-hidden.yml")
        let tokenizer = try PromptTokenizer(modelDirectory: base)
        let forward = try DecoderForward(modelDirectory: base)
        let routers = try RouterBuilder.hidden(forward, experts: try tokenizer.tokenize(config.experts),
                                               padId: tokenizer.padId, average: false)
        let reference = try TensorStore(path: TestPaths.sharedFixtures + "/refs/moe-2exp-hidden")
        for layer in 0..<routers.layers {
            let ref = try reference.tensor("model.layers.\(layer).mlp.gate.weight").values
            let ours = routers.rows(layer: layer, 0..<routers.experts)
            for e in 0..<routers.experts {
                let a = ours[(e * 64)..<((e + 1) * 64)], b = ref[(e * 64)..<((e + 1) * 64)]
                let dot = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
                let nb = b.map { Double($0 * $0) }.reduce(0, +).squareRoot()
                #expect(dot / nb > 0.9999, "layer \(layer) expert \(e): cosine \(dot / nb)")
            }
        }
    }
}
