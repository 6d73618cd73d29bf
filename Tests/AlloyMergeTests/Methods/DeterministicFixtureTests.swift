@testable import AlloyMerge
import Foundation
import Testing

/// The deterministic non-task-arithmetic methods against mergekit's outputs for the public cases.
@Suite struct DeterministicFixtureTests {
    static func w(_ weight: Double) -> [String: ParameterValue] { ["weight": .number(weight)] }

    static let cases: [FixtureMerge] = [
        FixtureMerge(caseName: "model_stock-basic", method: ModelStock(), base: "llama-base",
                     models: [("llama-ft1", [:]), ("llama-ft2", [:])]),
        FixtureMerge(caseName: "model_stock-filterwise", method: ModelStock(), base: "llama-base",
                     models: [("llama-ft1", [:]), ("llama-ft2", [:]), ("llama-ft1-fp16", [:])], global: ["filter_wise": .bool(true)]),
        FixtureMerge(caseName: "nuslerp-base", method: NuSlerp(), base: "llama-base",
                     models: [("llama-ft1", w(0.3)), ("llama-ft2", w(0.7))]),
        FixtureMerge(caseName: "nuslerp-nobase-rowwise", method: NuSlerp(), base: nil,
                     models: [("llama-ft1", w(0.5)), ("llama-ft2", w(0.5))],
                     global: ["nuslerp_row_wise": .bool(true), "nuslerp_flatten": .bool(false)]),
        FixtureMerge(caseName: "multislerp-basic", method: MultiSlerp(), base: "llama-base",
                     models: [("llama-ft1", w(0.5)), ("llama-ft2", w(0.5))]),
        FixtureMerge(caseName: "multislerp-nobase-3models", method: MultiSlerp(), base: nil,
                     models: [("llama-base", w(0.25)), ("llama-ft1", w(0.5)), ("llama-ft2", w(0.25))],
                     global: ["normalize_weights": .bool(false)]),
        FixtureMerge(caseName: "sce-basic", method: SCE(), base: "llama-base",
                     models: [("llama-ft1", [:]), ("llama-ft2", [:])], global: ["select_topk": .number(0.5)], outlierFraction: 0.01),
        FixtureMerge(caseName: "ram-basic", method: ReinforcedAgentMerging.ram, base: "llama-base",
                     models: [("llama-ft1", [:]), ("llama-ft2", [:])], global: ["epsilon": .number(0.003)], outlierFraction: 0.002),
        FixtureMerge(caseName: "ramplus_tl-basic", method: ReinforcedAgentMerging.ramPlusTL, base: "llama-base",
                     models: [("llama-ft1", [:]), ("llama-ft2", [:])], global: ["epsilon": .number(0.003)], outlierFraction: 0.002),
        FixtureMerge(caseName: "nearswap-basic", method: NearSwap(), base: "llama-base",
                     models: [("llama-ft1", [:])], global: ["t": .number(0.002)]),
        FixtureMerge(caseName: "arcee_fusion-basic", method: ArceeFusion(), base: "llama-base",
                     models: [("llama-ft1", [:])], outlierFraction: 0.01),
        FixtureMerge(caseName: "karcher-basic", method: Karcher(), base: nil,
                     models: [("llama-base", [:]), ("llama-ft1", [:]), ("llama-ft2", [:])]),
    ]

    @Test(arguments: cases.indices)
    func matchesMergekit(_ index: Int) throws {
        let c = Self.cases[index]
        let problems = try c.exactProblems()
        #expect(problems.isEmpty, "\(c.caseName): \(problems.prefix(5).joined(separator: "; "))")
    }
}
