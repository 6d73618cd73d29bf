@testable import AlloyMerge
import Foundation
import Testing

/// The task-arithmetic family against mergekit's outputs for the public cases.
@Suite struct TaskArithmeticFixtureTests {
    static func w(_ weight: Double, _ extra: [String: ParameterValue] = [:]) -> [String: ParameterValue] {
        extra.merging(["weight": .number(weight)]) { a, _ in a }
    }

    static let exactCases: [FixtureMerge] = [
        FixtureMerge(caseName: "task_arithmetic-basic", method: TaskArithmeticFamily.taskArithmetic, base: "llama-base",
                     models: [("llama-ft1", w(0.7)), ("llama-ft2", w(0.3))]),
        FixtureMerge(caseName: "task_arithmetic-normalize-lambda", method: TaskArithmeticFamily.taskArithmetic, base: "llama-base",
                     models: [("llama-ft1", w(1.0)), ("llama-ft2", w(0.5))],
                     global: ["normalize": .bool(true), "lambda": .number(0.8)]),
        FixtureMerge(caseName: "ties-basic", method: TaskArithmeticFamily.ties, base: "llama-base",
                     models: [("llama-ft1", w(1, ["density": .number(0.5)])), ("llama-ft2", w(1, ["density": .number(0.5)]))],
                     outlierFraction: 0.01),
        FixtureMerge(caseName: "ties-int8mask-nonorm", method: TaskArithmeticFamily.ties, base: "llama-base",
                     models: [("llama-ft1", w(0.7, ["density": .number(0.3)])), ("llama-ft2", w(0.5, ["density": .number(0.7)]))],
                     global: ["int8_mask": .bool(true), "normalize": .bool(false)], outlierFraction: 0.01),
        FixtureMerge(caseName: "ties-mistral", method: TaskArithmeticFamily.ties, base: "mistral-base",
                     models: [("mistral-ft1", w(0.6, ["density": .number(0.5)])), ("mistral-ft2", w(0.4, ["density": .number(0.5)]))],
                     outlierFraction: 0.01),
        FixtureMerge(caseName: "breadcrumbs-basic", method: TaskArithmeticFamily.breadcrumbs, base: "llama-base",
                     models: [("llama-ft1", w(0.5, ["density": .number(0.8), "gamma": .number(0.05)])),
                              ("llama-ft2", w(0.5, ["density": .number(0.8), "gamma": .number(0.05)]))],
                     outlierFraction: 0.03),
        FixtureMerge(caseName: "breadcrumbs_ties-basic", method: TaskArithmeticFamily.breadcrumbsTies, base: "llama-base",
                     models: [("llama-ft1", w(1, ["density": .number(0.7), "gamma": .number(0.02)])),
                              ("llama-ft2", w(1, ["density": .number(0.7), "gamma": .number(0.02)]))],
                     outlierFraction: 0.03),
    ]

    @Test(arguments: exactCases.indices)
    func matchesMergekit(_ index: Int) throws {
        let c = Self.exactCases[index]
        let problems = try c.exactProblems()
        #expect(problems.isEmpty, "\(c.caseName): \(problems.prefix(5).joined(separator: "; "))")
    }
}
