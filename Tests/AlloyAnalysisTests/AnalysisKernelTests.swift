@testable import AlloyAnalysis
@testable import AlloyFormat
@testable import AlloyMath
import AlloyTestSupport
import Testing

/// The one-pass block kernels (eight float lanes, double accumulators, a scalar
/// redo for blocks holding NaN or infinities) agree with a straightforward
/// double-precision loop, on random data with NaN, infinities, zeros and
/// subnormals, for bf16 and f32, and do not depend on the thread count.
@Suite struct AnalysisKernelTests {
    /// Random values around `mean`; NaN, ±Inf and ±0 in a few blocks only (so
    /// other blocks take the lane path), subnormals and huge values sprinkled in.
    static func data(_ n: Int, seed: UInt64, mean: Float) -> [Float] {
        var rng = SeededRandom(seed: seed)
        var v = (0..<n).map { _ in mean + rng.nextGaussian() * 0.02 }
        for i in stride(from: 3, to: n, by: 997) { v[i] = Float.leastNormalMagnitude * rng.nextUnitFloat() }  // subnormal
        for i in stride(from: 11, to: n, by: 1499) { v[i] = i % 2 == 0 ? 0 : -0.0 }
        for i in stride(from: 29, to: n, by: 2011) { v[i] = 1e30 * (rng.nextUnitFloat() - 0.5) }
        v[4096 + 5] = .nan
        v[4096 + 77] = .infinity
        v[3 * 4096 + 1] = -.infinity
        v[n - 2] = .nan  // in the scalar tail
        return v
    }

    /// The values as stored in `dtype` (rounded) and their bytes.
    static func stored(_ values: [Float], _ dtype: DType) -> (values: [Float], bytes: [UInt8]) {
        var rounded = values
        ElementCodec.roundTrip(&rounded, through: dtype)
        var bytes = [UInt8](repeating: 0, count: values.count * dtype.bitWidth / 8)
        rounded.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBytes { ElementCodec.encode(src, dtype: dtype, into: $0) }
        }
        return (rounded, bytes)
    }

    static func close(_ x: Double?, _ y: Double, _ scale: Double) -> Bool {
        guard let x else { return false }
        return abs(x - y) <= 1e-12 * Swift.max(abs(y), scale)
    }

    @Test(arguments: [DType.BF16, .F32, .F16])
    func statisticsMatchAPlainDoubleLoop(dtype: DType) {
        let n = 5 * 4096 + 13
        for mean: Float in [0, 3] {
            let (values, bytes) = Self.stored(Self.data(n, seed: 7, mean: mean), dtype)
            let finite = values.filter(\.isFinite)
            let m = finite.map(Double.init).reduce(0, +) / Double(finite.count)
            let variance = finite.map { (Double($0) - m) * (Double($0) - m) }.reduce(0, +) / Double(finite.count)
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: StatisticsKernel.blockElements)
            defer { scratch.deallocate() }
            let s = bytes.withUnsafeBytes { TensorStatistics.compute($0, dtype: dtype, count: n, scratch: scratch) }
            #expect(s.count == n && s.finiteCount == finite.count)
            #expect(s.nans == values.filter(\.isNaN).count && s.infs == values.filter(\.isInfinite).count)
            #expect(s.zeros == finite.filter { $0 == 0 }.count)
            #expect(s.min == Double(finite.min()!) && s.max == Double(finite.max()!))
            #expect(Self.close(s.mean, m, variance.squareRoot()), "\(dtype) mean \(s.mean!) vs \(m)")
            #expect(Self.close(s.std, variance.squareRoot(), 0), "\(dtype) std \(s.std!) vs \(variance.squareRoot())")
            #expect(Self.close(s.meanAbs, finite.map { Double(abs($0)) }.reduce(0, +) / Double(finite.count), 0))
        }
    }

    @Test(arguments: [(DType.BF16, DType.BF16), (.F32, .BF16), (.F16, .F32)])
    func differencesMatchAPlainDoubleLoop(dtypes: (DType, DType)) {
        let n = 5 * 4096 + 13
        var rng = SeededRandom(seed: 9)
        let raw = Self.data(n, seed: 8, mean: 0)
        var other = raw.map { $0 + rng.nextGaussian() * 0.001 }
        for i in stride(from: 0, to: n, by: 5) { other[i] = raw[i] }   // some pairs equal
        for i in stride(from: 1, to: n, by: 503) { other[i] = -raw[i] } // ratio 2
        other[4096 + 5] = .nan         // NaN against NaN: equal
        other[4096 + 77] = 1           // +Inf against 1: differs
        other[2 * 4096 + 9] = .nan     // NaN against a number: differs
        let (a, bytesA) = Self.stored(raw, dtypes.0), (b, bytesB) = Self.stored(other, dtypes.1)
        let tolerance = Tolerance(atol: 1e-4, rtol: 1e-2)
        var reference = TensorDifference()
        for (x, y) in zip(a, b) {
            reference.count += 1
            guard x.isFinite && y.isFinite else {
                if !(x.isNaN && y.isNaN) && !(x == y) { reference.nonFiniteMismatches += 1; reference.mismatches += 1 }
                continue
            }
            let (dx, dy) = (Double(x), Double(y))
            let d = abs(dx - dy), scale = Swift.max(abs(dx), abs(dy))
            reference.finiteCount += 1
            reference.sumSquaredDifference += d * d
            reference.dot += dx * dy
            reference.normA += dx * dx
            reference.normB += dy * dy
            reference.maxAbsoluteDifference = Swift.max(reference.maxAbsoluteDifference, d)
            reference.maxRelativeDifference = Swift.max(reference.maxRelativeDifference, scale > 0 ? d / scale : 0)
            if d > tolerance.atol + tolerance.rtol * scale { reference.mismatches += 1 }
        }
        let sa = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096), sb = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096)
        defer { sa.deallocate(); sb.deallocate() }
        let d = bytesA.withUnsafeBytes { ra in bytesB.withUnsafeBytes { rb in
            TensorDifference.compute(ra, dtype: dtypes.0, rb, dtype: dtypes.1, count: n, tolerance: tolerance, scratchA: sa, scratchB: sb)
        } }
        #expect(d.count == reference.count && d.finiteCount == reference.finiteCount)
        #expect(d.mismatches == reference.mismatches && d.nonFiniteMismatches == reference.nonFiniteMismatches)
        #expect(d.maxAbsoluteDifference == reference.maxAbsoluteDifference)
        #expect(d.maxRelativeDifference == reference.maxRelativeDifference)
        #expect(Self.close(d.rmsDifference, reference.rmsDifference, 0))
        #expect(Self.close(d.cosineSimilarity, reference.cosineSimilarity, 0))
        #expect(Self.close(d.normA, reference.normA, 0) && Self.close(d.normB, reference.normB, 0))
    }

    @Test func largestRatioIsExactWhenFloatDifferencesOverflow() {
        // 3e38 − (−1e38) overflows float (ratio 4/3); the largest ratio is elsewhere.
        var a = [Float](repeating: 1, count: 64), b = [Float](repeating: 1, count: 64)
        a[3] = 3e38
        b[3] = -1e38
        a[40] = 1
        b[40] = -0.9
        let sa = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096), sb = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096)
        defer { sa.deallocate(); sb.deallocate() }
        let d = a.withUnsafeBytes { ra in b.withUnsafeBytes { rb in
            TensorDifference.compute(ra, dtype: .F32, rb, dtype: .F32, count: a.count, tolerance: .exact, scratchA: sa, scratchB: sb)
        } }
        #expect(d.maxRelativeDifference == (1 + Double(Float(0.9))) / 1)
        #expect(d.maxAbsoluteDifference == Double(Float(3e38)) + Double(Float(1e38)))
        #expect(d.mismatches == 2)
    }

    @Test func storeResultsDoNotDependOnTheThreadCount() throws {
        let dir = TestPaths.temporaryDirectory()
        let n = (1 << 20) + 3 * 4096 + 5  // two pieces, a ragged last block
        let (_, bytesA) = Self.stored(Self.data(n, seed: 10, mean: 0.5), .BF16)
        let (_, bytesB) = Self.stored(Self.data(n, seed: 11, mean: 0.5), .BF16)
        for (name, bytes) in [("a", bytesA), ("b", bytesB)] {
            let writer = try SafetensorsWriter(path: dir + "/\(name).safetensors", tensors: [TensorSpec(name: "w", dtype: .BF16, shape: [n])])
            let values = bytes.withUnsafeBytes { ElementCodec.decode($0, dtype: .BF16, count: n) }
            try writer.write("w", values: values)
            try writer.finish()
        }
        let a = try TensorStore(path: dir + "/a.safetensors"), b = try TensorStore(path: dir + "/b.safetensors")
        let one = try StoreStatistics.compute(a, names: ["w"], threads: 1)[0].get()
        let two = try StoreStatistics.compute(a, names: ["w"], threads: 2)[0].get()
        #expect(one == two)
        let pair = StoreComparison.Pair(nameA: "w", nameB: "w", tolerance: .defaultFor(.BF16))
        let d1 = try StoreComparison.compare(a, b, pairs: [pair], threads: 1)[0].get()
        let d2 = try StoreComparison.compare(a, b, pairs: [pair], threads: 2)[0].get()
        #expect(d1 == d2)
        #expect(d1.count == n && d1.mismatches > 0)
    }
}
