@testable import AlloyLoRA
@testable import AlloyMath
import Foundation
import Testing

/// PEFT's merge_utils semantics, top-k selection and the truncated SVDs.
@Suite struct LoRAMathTests {
    var rng = SeededRandom(seed: 7)

    @Test func tiesAndMagnitudePruneMatchTheHandCheckedExample() {
        // peft-merging.md §3.6, example 1.
        let t1: [Float] = [0.5, -0.2, 0.1, -0.9], t2: [Float] = [-0.4, 0.3, 0.05, -0.1]
        var rng = SeededRandom(seed: 0)
        let ties = TaskTensorMerge.merge([t1, t2], weights: [1, 2], method: .ties, density: 0.5, majoritySign: .total, rng: &rng)
        #expect(ties == [0.5, 0.6, 0, -0.9])
        let mp = TaskTensorMerge.merge([t1, t2], weights: [1, 2], method: .magnitudePrune, density: 0.5, majoritySign: .total, rng: &rng)
        #expect(zip(mp, [-0.3, 0.6, 0, -0.9] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func majoritySignTotalAndFrequencyDiffer() {
        // peft-merging.md §3.6, example 2.
        var rng = SeededRandom(seed: 0)
        let ts: [[Float]] = [[0.5], [-0.4], [-0.05]]
        let total = TaskTensorMerge.merge(ts, weights: [1, 1, 1], method: .ties, density: 1, majoritySign: .total, rng: &rng)
        let freq = TaskTensorMerge.merge(ts, weights: [1, 1, 1], method: .ties, density: 1, majoritySign: .frequency, rng: &rng)
        #expect(total == [0.5])
        #expect(abs(freq[0] - -0.225) < 1e-6)
    }

    @Test func dareKeepsAboutDensityAndRescales() {
        var rng = SeededRandom(seed: 3)
        let t = [Float](repeating: 1, count: 20000)
        let out = TaskTensorMerge.merge([t], weights: [1], method: .dareLinear, density: 0.3, majoritySign: .total, rng: &rng)
        let kept = out.filter { $0 != 0 }
        #expect(abs(Double(kept.count) / 20000 - 0.3) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.3) < 1e-5 })
    }

    @Test func magnitudeSelectionKeepsLowerIndexOnTies() {
        var v: [Float] = [1, -3, 2, -2, 2, 0.5]
        MagnitudeSelection.keepLargest(&v, k: 3)
        #expect(v == [0, -3, 2, -2, 0, 0])
        var w: [Float] = [1, 2]
        MagnitudeSelection.keepLargest(&w, k: 0)
        #expect(w == [0, 0])
        // A large random case agrees with sorting.
        var r = SeededRandom(seed: 11)
        var big = (0..<100_000).map { _ in r.nextGaussian() }
        let threshold = big.map(abs).sorted(by: >)[999]
        MagnitudeSelection.keepLargest(&big, k: 1000)
        #expect(big.filter { $0 != 0 }.count == 1000)
        #expect(big.allSatisfy { $0 == 0 || abs($0) >= threshold })
    }

    /// A `m × n` matrix of rank `k` with decaying spectrum plus a little noise.
    func lowRankPlusNoise(_ m: Int, _ n: Int, rank k: Int) -> [Float] {
        var r = SeededRandom(seed: 5)
        let u = (0..<(m * k)).map { _ in r.nextGaussian() }
        var v = (0..<(k * n)).map { _ in r.nextGaussian() }
        for j in 0..<k { for c in 0..<n { v[j * n + c] /= Float(1 + j) } }
        var a = Linalg.matmul(u, rows: m, cols: k, v, rows: k, cols: n)
        for i in a.indices { a[i] += 0.01 * r.nextGaussian() }
        return a
    }

    func residual(_ a: [Float], _ s: TruncatedSVD) -> Double {
        var us = s.u
        for i in 0..<s.rows { for j in 0..<s.rank { us[i * s.rank + j] *= s.s[j] } }
        let approx = Linalg.matmul(us, rows: s.rows, cols: s.rank, s.vt, rows: s.rank, cols: s.cols)
        return zip(a, approx).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
    }

    @Test func randomizedSVDIsCloseToOptimal() throws {
        let (m, n, k) = (600, 800, 24)
        let a = lowRankPlusNoise(m, n, rank: 40)
        var rng = SeededRandom(seed: 1)
        let full = try TruncatedSVD.compute(a, rows: m, cols: n, rank: k, strategy: .full, rng: &rng)
        let fast = try TruncatedSVD.compute(a, rows: m, cols: n, rank: k, strategy: .randomized(oversampling: 16, powerIterations: 4), rng: &rng)
        #expect(fast.randomized && !full.randomized)
        #expect(abs(fast.s[0] - full.s[0]) / full.s[0] < 1e-4)
        let rf = residual(a, full), rr = residual(a, fast)
        #expect(rr >= rf * 0.9999)
        #expect(rr <= rf * 1.005, "randomized residual \(rr) vs optimal \(rf)")
        let krylov = try TruncatedSVD.compute(a, rows: m, cols: n, rank: k, strategy: .auto(oversampling: 8, iterations: 8), rng: &rng)
        #expect(krylov.randomized)
        let rk = residual(a, krylov)
        #expect(rk >= rf * 0.9999 && rk <= rf * 1.001, "block Krylov residual \(rk) vs optimal \(rf)")
    }

    @Test func svdOfAProductEqualsTheDenseSVD() throws {
        var r = SeededRandom(seed: 9)
        let (m, inner, n) = (50, 6, 70)
        let b = (0..<(m * inner)).map { _ in r.nextGaussian() }, a = (0..<(inner * n)).map { _ in r.nextGaussian() }
        let dense = Linalg.matmul(b, rows: m, cols: inner, a, rows: inner, cols: n)
        var rng = SeededRandom(seed: 0)
        let d = try TruncatedSVD.compute(dense, rows: m, cols: n, rank: 4, strategy: .full, rng: &rng)
        let f = try TruncatedSVD.ofProduct(b: b, a: a, rows: m, inner: inner, cols: n, rank: 4)
        for j in 0..<4 { #expect(abs(d.s[j] - f.s[j]) / d.s[j] < 1e-4) }
        #expect(abs(residual(dense, d) - residual(dense, f)) < 1e-3 * residual(dense, d) + 1e-4)
    }

    @Test func patternKeysMatchDotAlignedSuffixesOnly() {
        #expect(ModulePattern.matchesSuffix("q_proj", name: "model.layers.0.self_attn.q_proj"))
        #expect(!ModulePattern.matchesSuffix("q_proj", name: "model.layers.0.self_attn.xq_proj"))
        #expect(ModulePattern.matchesSuffix("layers\\.0\\.self_attn\\.q_proj", name: "model.layers.0.self_attn.q_proj"))
        #expect(!ModulePattern.matchesSuffix("layers\\.0\\.self_attn\\.q_proj", name: "model.layers.10.self_attn.q_proj"))
        let config = AdapterConfig(json: .object([("r", 8), ("lora_alpha", 16),
                                                  ("rank_pattern", .object([("layers.1.self_attn.q_proj", 4), ("q_proj", 2)])),
                                                  ("alpha_pattern", .object([("v_proj", 3)])), ("use_rslora", true)]), location: "t")
        #expect(config.rank(for: "model.layers.1.self_attn.q_proj") == 4)
        #expect(config.rank(for: "model.layers.2.self_attn.q_proj") == 2)
        #expect(config.rank(for: "model.layers.2.self_attn.k_proj") == 8)
        #expect(config.alpha(for: "model.layers.2.self_attn.v_proj") == 3)
        #expect(config.maximumRank == 8)
        #expect(abs(AdapterConfig.scaling(alpha: 16, rank: 4, rsLoRA: true) - 8) < 1e-12)
    }
}
