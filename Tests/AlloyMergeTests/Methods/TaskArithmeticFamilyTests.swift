@testable import AlloyFormat
@testable import AlloyMerge
import Foundation
import Testing

@Suite struct TaskArithmeticFamilyTests {
    let base = MT.input("base", [0, 0, 0, 0])

    @Test func tiesWorkedExampleA3() throws {
        let a = MT.input("a", [0.5, -0.2, 0.1, 0], ["weight": .number(1), "density": .number(0.5)])
        let b = MT.input("b", [-0.4, 0.3, 0.2, 0.05], ["weight": .number(1), "density": .number(0.5)])
        let out = try #require(try TaskArithmeticFamily.ties.merge(MT.request(base: base, models: [a, b])))
        #expect(MT.close(out.values, [0.5, 0.3, 0, 0]))
        // normalize: false gives the same here (one contributor of weight 1 per position).
        let plain = try #require(try TaskArithmeticFamily.ties.merge(MT.request(base: base, models: [a, b], global: ["normalize": .bool(false)])))
        #expect(MT.close(plain.values, [0.5, 0.3, 0, 0]))
    }

    @Test func signElectionTieElectsPlusAndNormalizesByAgreeingWeight() throws {
        // Deltas [0.5, 0.25] and [−0.5, 0.5]: position 0 sums to 0 → + elected, only the
        // positive entry counts (divisor 1); position 1 agrees, divisor 2.
        let a = MT.input("a", [1.5, 1.25], ["weight": .number(1)])
        let b = MT.input("b", [0.5, 1.5], ["weight": .number(1)])
        let out = try #require(try TaskArithmeticFamily.ties.merge(MT.request(base: MT.input("base", [1, 1]), models: [a, b])))
        #expect(out.values == [1.5, 1.375])
    }

    @Test func taskArithmeticWithNormalizeAndLambda() throws {
        let b = MT.input("base", [1, 2])
        let x = MT.input("x", [2, 2], ["weight": .number(1)])
        let y = MT.input("y", [1, 4], ["weight": .number(0.5)])
        let sum = try #require(try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [x, y])))
        #expect(MT.close(sum.values, [2, 3]))
        let norm = try #require(try TaskArithmeticFamily.taskArithmetic.merge(
            MT.request(base: b, models: [x, y], global: ["normalize": .bool(true), "lambda": .number(0.8)])))
        let step: Float = 0.8 / 1.5
        #expect(MT.close(norm.values, [1 + step, 2 + step]))
    }

    @Test func zeroWeightsSumKeepsDivisorOne() throws {
        let b = MT.input("base", [0, 0])
        let x = MT.input("x", [1, 1], ["weight": .number(1)])
        let y = MT.input("y", [1, 3], ["weight": .number(-1)])
        let out = try #require(try TaskArithmeticFamily.taskArithmetic.merge(
            MT.request(base: b, models: [x, y], global: ["normalize": .bool(true)])))
        #expect(MT.close(out.values, [0, -2]))
    }

    @Test func singleModelAndDensityOneAreOrdinaryTaskArithmetic() throws {
        let b = MT.input("base", [1, -1, 2])
        let x = MT.input("x", [2, -3, 2.5], ["weight": .number(0.5), "density": .number(1)])
        for method in TaskArithmeticFamily.all {
            let out = try #require(try method.merge(MT.request(base: b, models: [x], global: ["normalize": .bool(false)])))
            #expect(MT.close(out.values, [1.5, -2, 2.25]), "\(method.name)")
        }
    }

    @Test func noTaskVectorsReturnsBaseAndMissingBaseFails() throws {
        let b = MT.input("base", [1, 2])
        let out = try TaskArithmeticFamily.ties.merge(MT.request(base: b, models: []))
        #expect(out?.values == [1, 2])
        #expect(throws: AlloyError.self) {
            try TaskArithmeticFamily.ties.merge(MT.request(base: nil, models: [MT.input("x", [1, 2], ["weight": .number(1)])]))
        }
        #expect(throws: AlloyError.self) { try TaskArithmeticFamily.ties.validate(models: 2, hasBase: false) }
    }

    @Test func missingWeightIsAConfigError() {
        #expect(throws: AlloyError.self) {
            try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: MT.input("b", [0]), models: [MT.input("x", [1])]))
        }
    }

    @Test func tiesTinyDensityKeepsNothingInsteadOfAsserting() throws {
        let b = MT.input("base", [0, 0, 0])
        let x = MT.input("x", [1, 2, 3], ["weight": .number(1), "density": .number(0.2)])
        let out = try #require(try TaskArithmeticFamily.ties.merge(MT.request(base: b, models: [x])))
        #expect(out.values == [0, 0, 0])
    }

    @Test func breadcrumbsWorkedExampleA5() throws {
        // Magnitudes 1...10 in a shuffled order; ascending ranks 3..8 survive (values 4...9).
        let values: [Float] = [7, -2, 10, 4, -9, 1, 5, -3, 8, 6]
        let b = MT.input("base", [Float](repeating: 0, count: 10))
        func run(_ gamma: Double) throws -> [Float] {
            let x = MT.input("x", values, ["weight": .number(1), "density": .number(0.6), "gamma": .number(gamma)])
            return try #require(try TaskArithmeticFamily.breadcrumbs.merge(MT.request(base: b, models: [x]))).values
        }
        #expect(try run(0.1) == values.map { abs($0) >= 4 && abs($0) <= 9 ? $0 : 0 })
        // gamma 0.05: n_top = 0, mergekit keeps nothing; the intended result drops only the 4 smallest.
        #expect(try run(0.05) == values.map { abs($0) >= 5 ? $0 : 0 })
    }

    @Test func breadcrumbsTiesCombinesOutlierTrimmingWithConsensus() throws {
        let b = MT.input("base", [0, 0, 0, 0])
        let x = MT.input("x", [4, -1, 2, 3], ["weight": .number(1), "density": .number(0.5), "gamma": .number(0.25)])
        let y = MT.input("y", [-1, 1, -3, 2], ["weight": .number(1), "density": .number(0.5), "gamma": .number(0.25)])
        // x keeps ranks 1..2 of |x| = {2, 3}; y keeps {1(second), 2}: ascending |y| = 1(pos0), 1(pos1), 2, 3 → ranks 1,2 = pos1, pos3.
        let out = try #require(try TaskArithmeticFamily.breadcrumbsTies.merge(MT.request(base: b, models: [x, y])))
        #expect(MT.close(out.values, [0, 1, 2, 5]))
    }

    @Test func dellaKeepProbabilitiesA6() {
        let row: [Float] = [0.3, -0.1, 0.5, 0.2, -0.4]
        let p = row.withUnsafeBufferPointer { DellaProbabilities.compute($0, shape: [1, 5], density: 0.5, epsilon: 0.1) }
        #expect(MT.close(p, [0.5, 0.4, 0.6, 0.45, 0.55]))
        // Row length 1: density itself (mergekit: NaN).
        let single: [Float] = [2, 3]
        let q = single.withUnsafeBufferPointer { DellaProbabilities.compute($0, shape: [2, 1], density: 0.5, epsilon: 0.1) }
        #expect(q == [0.5, 0.5])
    }

    @Test func dellaRejectsDensityPlusMinusEpsilonOutsideUnitInterval() throws {
        let b = MT.input("base", [0, 0, 0, 0])
        let x = MT.input("x", [1, 2, 3, 4], ["weight": .number(1), "density": .number(0.9)])
        #expect(throws: AlloyError.self) { try TaskArithmeticFamily.della.merge(MT.request(base: b, models: [x])) }
        let zero = MT.input("x", [1, 2, 3, 4], ["weight": .number(1), "density": .number(0)])
        #expect(try TaskArithmeticFamily.della.merge(MT.request(base: b, models: [zero]))?.values == [0, 0, 0, 0])
    }

    @Test func l1RescaleWorkedExampleA4() {
        var masked: [Float] = [1, 0, 3, 0]
        masked.withUnsafeMutableBufferPointer { L1Rescale.apply($0, denseL1: 10, precision: .exact) }
        #expect(masked == [2.5, 0, 7.5, 0])
    }

    @Test func dareIsReproducibleAndKeepsAboutDensity() throws {
        let n = 20_000
        let values: [Float] = (0..<n).map { (i: Int) -> Float in
            let magnitude = Float(i % 7 + 1)
            return i % 2 == 0 ? magnitude : -magnitude
        }
        let b = MT.input("base", [Float](repeating: 0, count: n))
        let x = MT.input("x", values, ["weight": .number(1), "density": .number(0.3)])
        let req = MT.request(base: b, models: [x], name: "layer.w", seed: 42)
        let one = try #require(try TaskArithmeticFamily.dareLinear.merge(req))
        let two = try #require(try TaskArithmeticFamily.dareLinear.merge(req))
        #expect(one == two)
        let kept = one.values.filter { $0 != 0 }.count
        let expected: Double = 0.3 * Double(n), sigma: Double = (0.21 * Double(n)).squareRoot()
        #expect(abs(Double(kept) - expected) < 5 * sigma)
        // L1 rescale: the kept entries are scaled so the L1 norm is preserved.
        let l1: Double = one.values.reduce(0.0) { $0 + Double(abs($1)) }
        let dense: Double = values.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(l1 - dense) / dense < 1e-5)
        let other = try #require(try TaskArithmeticFamily.dareLinear.merge(MT.request(base: b, models: [x], name: "layer.w", seed: 43)))
        #expect(other != one)
    }

    @Test func bfloat16WorkingDtypeRoundsWeightsA11() throws {
        let b = MT.input("base", [0])
        let x = MT.input("x", [1], ["weight": .number(0.3)])
        let out = try #require(try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [x], dtype: .BF16)))
        #expect(out.values == [0.30078125])
    }

    @Test func modelsAreCastToTheWorkingDtypeBeforeSubtracting() throws {
        // A float32 fine-tune merged into a bf16 base: mergekit casts it to bf16 first.
        let b = MT.input("base", [0, 1])
        let x = MT.input("x", [0.3, 1.3], ["weight": .number(1)])
        let out = try #require(try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [x], dtype: .BF16)))
        #expect(out.values == [0.30078125, 1.296875])
    }

    @Test func parameterListsFollowTheVariant() {
        #expect(TaskArithmeticFamily.breadcrumbs.tensorParameters.map(\.name) == ["weight", "density", "gamma"])
        #expect(TaskArithmeticFamily.della.tensorParameters.map(\.name) == ["weight", "density", "epsilon"])
        #expect(TaskArithmeticFamily.ties.globalParameters.first { $0.name == "normalize" }?.defaultValue == .bool(true))
        #expect(TaskArithmeticFamily.dareLinear.globalParameters.first { $0.name == "rescale" }?.defaultValue == .bool(true))
    }

    @Test func embeddingsAreCutToTheBaseShapeOtherMismatchesSkipTheModel() throws {
        let b = MT.input("base", [0, 0, 0, 0], shape: [2, 2])
        let big = MT.input("x", [1, 1, 9, 1, 1, 9, 9, 9, 9], shape: [3, 3], ["weight": .number(1)])
        let emb = try #require(try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [big], embedding: true)))
        #expect(emb.values == [1, 1, 1, 1])
        let skipped = try #require(try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [big])))
        #expect(skipped.values == [0, 0, 0, 0])
        let small = MT.input("x", [1], shape: [1, 1], ["weight": .number(1)])
        #expect(throws: AlloyError.self) { try TaskArithmeticFamily.taskArithmetic.merge(MT.request(base: b, models: [small], embedding: true)) }
    }
}
