@testable import AlloyAnalysis
@testable import AlloyFormat
@testable import AlloyMath
import AlloyTestSupport
import Testing

/// Streaming statistics and comparisons agree with direct computation, whatever
/// the chunk and piece sizes, with NaN and infinities counted apart.
@Suite struct AnalysisTests {
    static func sample(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in rng.nextGaussian() * 0.02 + 3 }  // a large mean stresses the variance update
    }

    @Test func statisticsMatchADirectComputationAcrossChunkSizes() {
        var values = Self.sample(10_007, seed: 1)
        values[5] = .nan
        values[17] = .infinity
        values[9000] = -.infinity
        values[42] = 0
        let finite = values.filter(\.isFinite).map(Double.init)
        let mean = finite.reduce(0, +) / Double(finite.count)
        let std = (finite.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(finite.count)).squareRoot()
        for chunk in [1, 7, 1000, 1 << 14] {
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunk)
            defer { scratch.deallocate() }
            let s = values.withUnsafeBytes { TensorStatistics.compute($0, dtype: .F32, count: values.count, scratch: scratch) }
            #expect(s.count == values.count)
            #expect(s.nans == 1 && s.infs == 2 && s.zeros == 1)
            #expect(s.min == finite.min() && s.max == finite.max())
            #expect(abs(s.mean! - mean) < 1e-12)
            #expect(abs(s.std! - std) < 1e-12, "chunk \(chunk): \(s.std!) vs \(std)")
            #expect(abs(s.meanAbs! - finite.map(abs).reduce(0, +) / Double(finite.count)) < 1e-12)
        }
    }

    @Test func piecesMergeToTheWholeTensorResult() throws {
        let dir = TestPaths.temporaryDirectory()
        let values = Self.sample((1 << 20) + 4099, seed: 2)  // two pieces
        let writer = try SafetensorsWriter(path: dir + "/m.safetensors", tensors: [TensorSpec(name: "w", dtype: .F32, shape: [values.count])])
        try writer.write("w", values: values)
        try writer.finish()
        let store = try TensorStore(path: dir + "/m.safetensors")
        let one = try StoreStatistics.compute(store, names: ["w"], threads: 1)[0].get()
        let many = try StoreStatistics.compute(store, names: ["w"], threads: 4)[0].get()
        #expect(one == many, "deterministic whatever the thread count")
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1 << 14)
        defer { scratch.deallocate() }
        let whole = values.withUnsafeBytes { TensorStatistics.compute($0, dtype: .F32, count: values.count, scratch: scratch) }
        #expect(abs(one.mean! - whole.mean!) < 1e-12 && abs(one.std! - whole.std!) < 1e-12)
    }

    @Test func differencesHandleNonFiniteValuesAndTolerances() {
        let a: [Float] = [1, 2, .nan, .infinity, 5, 0, -3, .nan]
        let b: [Float] = [1, 2.01, .nan, .infinity, 5, 0, -3, 1]
        let sa = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3), sb = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3)
        defer { sa.deallocate(); sb.deallocate() }
        func run(_ t: Tolerance) -> TensorDifference {
            a.withUnsafeBytes { ra in b.withUnsafeBytes { rb in
                TensorDifference.compute(ra, dtype: .F32, rb, dtype: .F32, count: a.count, tolerance: t, scratchA: sa, scratchB: sb)
            } }
        }
        let exact = run(.exact)
        #expect(exact.count == 8 && exact.finiteCount == 5)
        #expect(exact.nonFiniteMismatches == 1)
        #expect(exact.mismatches == 2)
        #expect(abs(exact.maxAbsoluteDifference - Double(Float(2.01) - 2)) < 1e-12)
        #expect(abs(exact.maxRelativeDifference - Double(Float(2.01) - 2) / Double(Float(2.01))) < 1e-12)
        let loose = run(Tolerance(atol: 0, rtol: 0.01))
        #expect(loose.mismatches == 1, "only the NaN against 1 remains")
        #expect(!loose.withinTolerance)
    }

    @Test func defaultTolerancesAcceptOneUnitInTheLastPlace() {
        var rng = SeededRandom(seed: 3)
        for (dtype, mantissaBits) in [(DType.BF16, 7), (.F16, 10), (.F8_E4M3, 3), (.F8_E5M2, 2)] {
            let t = Tolerance.defaultFor(dtype, dtype)
            let stepScale = Float(sign: .plus, exponent: -(mantissaBits + 4), significand: 1)
            for _ in 0..<1000 {
                var x = [rng.nextGaussian() * 0.05]
                ElementCodec.roundTrip(&x, through: dtype)
                // The next representable value up, whatever the dtype.
                var up = x
                var step = x[0]
                repeat {
                    step = step + abs(step) * stepScale + Float.leastNonzeroMagnitude
                    up = [step]
                    ElementCodec.roundTrip(&up, through: dtype)
                } while up[0] == x[0]
                let d = Double(abs(up[0] - x[0]))
                #expect(d <= t.atol + t.rtol * Double(max(abs(x[0]), abs(up[0]))), "\(dtype): \(x[0]) vs \(up[0])")
            }
        }
        #expect(Tolerance.defaultFor(.I32, .BF16) == Tolerance.defaultFor(.BF16))
        #expect(Tolerance.defaultFor(.I64, .I64) == .exact)
    }
}
