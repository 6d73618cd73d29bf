@testable import AlloyMerge
import Foundation
import Testing

/// DARE and DELLA against mergekit's outputs: compare.py's `random` mode checks
/// per-entry consistency with the formula, keep rates (flat for DARE, following
/// the rank ramp for DELLA) and aggregate statistics against the reference draw.
@Suite struct RandomFixtureTests {
    static func p(_ weight: Double, _ density: Double, epsilon: Double? = nil) -> [String: ParameterValue] {
        var d: [String: ParameterValue] = ["weight": .number(weight), "density": .number(density)]
        if let epsilon { d["epsilon"] = .number(epsilon) }
        return d
    }

    static let cases: [FixtureMerge] = [
        FixtureMerge(caseName: "dare_linear-basic", method: TaskArithmeticFamily.dareLinear, base: "llama-base",
                     models: [("llama-ft1", p(0.5, 0.6)), ("llama-ft2", p(0.5, 0.6))]),
        FixtureMerge(caseName: "dare_linear-single-norescale", method: TaskArithmeticFamily.dareLinear, base: "llama-base",
                     models: [("llama-ft2", p(0.8, 0.4))], global: ["rescale": .bool(false)]),
        FixtureMerge(caseName: "dare_ties-basic", method: TaskArithmeticFamily.dareTies, base: "llama-base",
                     models: [("llama-ft1", p(0.6, 0.5)), ("llama-ft2", p(0.4, 0.5))]),
        FixtureMerge(caseName: "dare_ties-single", method: TaskArithmeticFamily.dareTies, base: "llama-base",
                     models: [("llama-ft1", p(1, 0.3))]),
        FixtureMerge(caseName: "dare_ties-qwen2", method: TaskArithmeticFamily.dareTies, base: "qwen2-base",
                     models: [("qwen2-ft1", p(0.5, 0.7)), ("qwen2-ft2", p(0.5, 0.7))]),
        FixtureMerge(caseName: "della-basic", method: TaskArithmeticFamily.della, base: "llama-base",
                     models: [("llama-ft1", p(1, 0.5, epsilon: 0.1)), ("llama-ft2", p(1, 0.5, epsilon: 0.1))],
                     global: ["lambda": .number(1)]),
        FixtureMerge(caseName: "della-single", method: TaskArithmeticFamily.della, base: "llama-base",
                     models: [("llama-ft1", p(1, 0.4, epsilon: 0.2))]),
        FixtureMerge(caseName: "della_linear-basic", method: TaskArithmeticFamily.dellaLinear, base: "llama-base",
                     models: [("llama-ft1", p(0.6, 0.6, epsilon: 0.15)), ("llama-ft2", p(0.4, 0.6, epsilon: 0.15))]),
    ]

    @Test(arguments: cases.indices)
    func agreesWithMergekitInDistribution(_ index: Int) throws {
        let c = Self.cases[index]
        let verdict = try c.judgedByCompareScript()
        #expect(verdict.status == 0, "\(c.caseName): \(verdict.output)")
    }
}
