@testable import AlloyFormat
@testable import AlloyMerge
import Foundation
import Testing

/// Hand-checkable cases (spec Appendix A and edge cases) for the methods outside
/// the task-arithmetic family.
@Suite struct OtherMethodsTests {
    func w(_ x: Double) -> [String: ParameterValue] { ["weight": .number(x)] }

    @Test func modelStockWorkedExampleA7() throws {
        // Offsets with cosine 0.5 → t = 2·0.5/(1 + 0.5) = 2/3, result = t·average (base 0).
        let base = MT.input("base", [0, 0])
        let half = Float(3).squareRoot() / 2
        let a = MT.input("a", [1, 0]), b = MT.input("b", [0.5, half])
        let out = try #require(try ModelStock().merge(MT.request(base: base, models: [a, b])))
        #expect(MT.close(out.values, [2.0 / 3 * 0.75, 2.0 / 3 * half / 2]))
        // Orthogonal offsets: cosine 0 → t = 0 → the base. Parallel offsets: t = 1 → the average.
        let orthogonal = try #require(try ModelStock().merge(MT.request(base: MT.input("b", [1, 1]), models: [MT.input("x", [2, 1]), MT.input("y", [1, 3])])))
        #expect(MT.close(orthogonal.values, [1, 1]))
        let parallel = try #require(try ModelStock().merge(MT.request(base: base, models: [MT.input("x", [1, 2]), MT.input("y", [2, 4])])))
        #expect(MT.close(parallel.values, [1.5, 3]))
    }

    @Test func modelStockCountsAndFilterWise() throws {
        #expect(throws: AlloyError.self) { try ModelStock().validate(models: 1, hasBase: true) }
        #expect(throws: AlloyError.self) { try ModelStock().validate(models: 2, hasBase: false) }
        let base = MT.input("base", [0, 0, 0, 0], shape: [2, 2])
        // Only the base has the tensor → the base. One fine-tune of an optional tensor: the plan
        // leaves it out (decided before any tensor is read), and merging it anyway is an error.
        #expect(try ModelStock().merge(MT.request(base: base, models: []))?.values == [0, 0, 0, 0])
        #expect(!ModelStock().keepsOptionalTensor(models: 1, hasBase: true))
        #expect(ModelStock().keepsOptionalTensor(models: 2, hasBase: true))
        let one = MT.request(base: base, models: [MT.input("x", [1, 1, 1, 1], shape: [2, 2])])
        #expect(throws: AlloyError.self) { try ModelStock().merge(one) }
        // filter_wise: row 0 parallel (t = 1), row 1 orthogonal (t = 0).
        let x = MT.input("x", [1, 0, 1, 0], shape: [2, 2]), y = MT.input("y", [2, 0, 0, 1], shape: [2, 2])
        let out = try #require(try ModelStock().merge(MT.request(base: base, models: [x, y], global: ["filter_wise": .bool(true)])))
        #expect(MT.close(out.values, [1.5, 0, 0, 0]))
    }

    @Test func nuslerpQuarterTurnA8AndEdgeCases() throws {
        let a = MT.input("a", [1, 0], w(0.7)), b = MT.input("b", [0, 1], w(0.3))
        let out = try #require(try NuSlerp().merge(MT.request(base: nil, models: [a, b])))
        #expect(MT.close(out.values, [0.8910065, 0.4539905]))
        // Colinear vectors: plain lerp.
        let c = MT.input("c", [2, 0], w(0.3))
        let lerp = try #require(try NuSlerp().merge(MT.request(base: nil, models: [a, c])))
        #expect(MT.close(lerp.values, [1.3, 0]))
        // Weights summing to zero: t = 0.5.
        let z0 = MT.input("a", [1, 0], w(1)), z1 = MT.input("b", [0, 1], w(-1))
        let mid = try #require(try NuSlerp().merge(MT.request(base: nil, models: [z0, z1])))
        #expect(MT.close(mid.values, [0.70710677, 0.70710677]))
        // With a base, the task vectors are interpolated.
        let withBase = try #require(try NuSlerp().merge(MT.request(base: MT.input("base", [1, 1]), models: [
            MT.input("a", [2, 1], w(0.5)), MT.input("b", [1, 2], w(0.5))])))
        #expect(MT.close(withBase.values, [1.70710677, 1.70710677]))
        #expect(throws: AlloyError.self) { try NuSlerp().validate(models: 3, hasBase: false) }
    }

    @Test func nuslerpRowWiseInterpolatesColumns() throws {
        // Columns of a 2×2: column 0 is e1 vs e2 (quarter turn), column 1 colinear.
        let a = MT.input("a", [1, 1, 0, 1], shape: [2, 2], w(0.5)), b = MT.input("b", [0, 2, 1, 2], shape: [2, 2], w(0.5))
        let out = try #require(try NuSlerp().merge(MT.request(base: nil, models: [a, b],
            global: ["nuslerp_flatten": .bool(false), "nuslerp_row_wise": .bool(true)])))
        #expect(MT.close(out.values, [0.70710677, 1.5, 0.70710677, 1.5]))
    }

    @Test func multislerpAndKarcherMidpointA9() throws {
        let e1 = MT.input("e1", [1, 0], w(0.5)), e2 = MT.input("e2", [0, 1], w(0.5))
        let m = try #require(try MultiSlerp().merge(MT.request(base: nil, models: [e1, e2])))
        #expect(MT.close(m.values, [0.70710677, 0.70710677], tolerance: 1e-4))
        let k = try #require(try Karcher().merge(MT.request(base: nil, models: [e1, e2])))
        #expect(MT.close(k.values, [0.70710677, 0.70710677], tolerance: 1e-4))
        // Single input: unchanged. Antipodal pair: linear fallback (here the zero vector).
        #expect(try MultiSlerp().merge(MT.request(base: nil, models: [e1]))?.values == [1, 0])
        let anti = try #require(try MultiSlerp().merge(MT.request(base: nil, models: [e1, MT.input("n", [-1, 0], w(0.5))])))
        #expect(MT.close(anti.values, [0, 0]))
        // Zero-norm inputs do not count as directions but still average the norms.
        let zero = MT.input("z", [0, 0])
        let kz = try #require(try Karcher().merge(MT.request(base: nil, models: [MT.input("a", [3, 4]), zero])))
        #expect(MT.close(kz.values, [1.5, 2]))
    }

    @Test func nearswapWorkedExampleA10() throws {
        let base = MT.input("base", [0, 0, 0])
        let x = MT.input("x", [0.0005, 0.01, 0])
        let out = try #require(try NearSwap().merge(MT.request(base: base, models: [x], global: ["t": .number(0.001)])))
        #expect(MT.close(out.values, [0.0005, 0.001, 0]))
        #expect(throws: AlloyError.self) { try NearSwap().merge(MT.request(base: base, models: [x], global: ["t": .number(0)])) }
        #expect(throws: AlloyError.self) { try NearSwap().merge(MT.request(base: base, models: [x])) }
        #expect(throws: AlloyError.self) { try NearSwap().validate(models: 2, hasBase: true) }
    }

    @Test func ramTakesUniqueEntriesAndAveragesSharedOnes() throws {
        let base = MT.input("base", [0, 0, 0])
        let a = MT.input("a", [1, 0.5, 0]), b = MT.input("b", [0, 0.25, 0.000001])
        let ram = try #require(try ReinforcedAgentMerging.ram.merge(MT.request(base: base, models: [a, b])))
        #expect(MT.close(ram.values, [1, 0.375, 0]))
        // RAM+: model a has 1 shared and 1 unique entry → rho 1 → lambda 1 + 0.1·min(1, 0.2) = 1.02.
        let plus = try #require(try ReinforcedAgentMerging.ramPlusTL.merge(MT.request(base: base, models: [a, b])))
        #expect(MT.close(plus.values, [1.02, 0.375, 0]))
        #expect(ReinforcedAgentMerging.ramPlusTL.promotedResultDType == .F32)
        #expect(ReinforcedAgentMerging.ram.promotedResultDType == nil)
    }

    @Test func sceWeighsByMeanSquareAndErasesMinoritySigns() throws {
        let base = MT.input("base", [0, 0, 0, 0])
        let a = MT.input("a", [1, -1, 2, 0]), b = MT.input("b", [1, 1, -2, 4])
        let out = try #require(try SCE().merge(MT.request(base: base, models: [a, b])))
        #expect(MT.close(out.values, [1, 1, 2, 4]))
        // select_topk 0.5: variances [0, 1, 4, 9] → 3 non-zero → keep the top 1 (position 3).
        let c = MT.input("b", [1, 1, -2, 6])
        let selected = try #require(try SCE().merge(MT.request(base: base, models: [a, c], global: ["select_topk": .number(0.5)])))
        #expect(MT.close(selected.values, [0, 0, 0, 6]))
    }

    @Test func arceeFusionKeepsOnlyOutlyingImportance() throws {
        let base = MT.input("base", [0, 0, 0, 0])
        let x = MT.input("x", [0.1, 0.2, 0.3, 4])
        let out = try #require(try ArceeFusion().merge(MT.request(base: base, models: [x])))
        #expect(MT.close(out.values, [0, 0, 0, 4]))
        #expect(throws: AlloyError.self) { try ArceeFusion().validate(models: 2, hasBase: true) }
        #expect(ArceeFusion().promotedResultDType == .F32)
    }
}
