/// The scalar loops behind statistics and comparisons.
///
/// Each is a plain loop over buffer pointers in its own non-inlined function so
/// the optimiser vectorises it. The `finite` kernels assume every value is finite;
/// callers first count non-finite values and compact them away when there are any.
enum ReductionKernels {
    /// Number of NaN or infinite values (an exponent of all ones).
    @inline(never) static func countNonFinite(_ x: UnsafeBufferPointer<Float>) -> Int {
        guard let p = x.baseAddress else { return 0 }
        let bits = UnsafeRawPointer(p).assumingMemoryBound(to: UInt32.self)
        var count = 0
        for i in 0..<x.count { count &+= (bits[i] & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0 }
        return count
    }

    // The reductions below keep eight independent lanes (SIMD8 accumulators built
    // lane by lane): IEEE addition is not associative, so the optimiser will not
    // split a single scalar accumulator into vector lanes by itself, and a plain
    // loop runs at one element per add latency. Lanes are combined in a fixed
    // order, so results are deterministic.

    /// Eight floats from `p`, widened to `Double`.
    @inline(__always) static func wide(_ v: SIMD8<Float>) -> SIMD8<Double> {
        SIMD8<Double>(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]),
                      Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func lanewise(_ a: SIMD8<Double>, _ f: (Double) -> Double) -> SIMD8<Double> {
        SIMD8<Double>(f(a[0]), f(a[1]), f(a[2]), f(a[3]), f(a[4]), f(a[5]), f(a[6]), f(a[7]))
    }

    @inline(__always) static func lanewise(_ a: SIMD8<Double>, _ b: SIMD8<Double>, _ f: (Double, Double) -> Double) -> SIMD8<Double> {
        SIMD8<Double>(f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3]),
                      f(a[4], b[4]), f(a[5], b[5]), f(a[6], b[6]), f(a[7], b[7]))
    }

    @inline(__always) static func lanewise(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>, _ f: (Int32, Int32) -> Int32) -> SIMD8<Int32> {
        SIMD8<Int32>(f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3]),
                     f(a[4], b[4]), f(a[5], b[5]), f(a[6], b[6]), f(a[7], b[7]))
    }

    /// A float's bits as an integer that orders like the float (for finite values).
    @inline(__always) static func orderedKey(_ bits: SIMD8<Int32>) -> SIMD8<Int32> {
        bits ^ ((bits &>> 31) & 0x7FFF_FFFF)
    }

    @inline(__always) static func orderedKey(_ v: Float) -> Int32 {
        let bits = Int32(bitPattern: v.bitPattern)
        return bits ^ ((bits &>> 31) & 0x7FFF_FFFF)
    }

    @inline(__always) static func float(orderedKey k: Int32) -> Float {
        Float(bitPattern: UInt32(bitPattern: k ^ ((k &>> 31) & 0x7FFF_FFFF)))
    }

    /// Sum, sum of |x|, minimum, maximum and zero count of finite values.
    @inline(never) static func firstMoments(_ x: UnsafeBufferPointer<Float>)
        -> (sum: Double, sumAbs: Double, min: Float, max: Float, zeros: Int)
    {
        guard let p = x.baseAddress else { return (0, 0, .infinity, -.infinity, 0) }
        let n = x.count
        var sum = SIMD8<Double>.zero, sumAbs = SIMD8<Double>.zero
        var lo = SIMD8<Int32>(repeating: .max), hi = SIMD8<Int32>(repeating: .min)
        var zeros = SIMD8<Int32>.zero
        var i = 0
        while i + 8 <= n {
            let v = load(p, i)
            let d = wide(v)
            sum += d
            sumAbs += lanewise(d) { abs($0) }
            let bits = unsafeBitCast(v, to: SIMD8<Int32>.self)
            let key = orderedKey(bits)
            lo = lanewise(lo, key) { Swift.min($0, $1) }
            hi = lanewise(hi, key) { Swift.max($0, $1) }
            zeros &-= ((bits & 0x7FFF_FFFF) &- 1) &>> 31  // −1 exactly for ±0
            i += 8
        }
        var s = sum.sum(), a = sumAbs.sum()
        var minKey = lo.min(), maxKey = hi.max()
        var z = Int(zeros.wrappedSum())
        while i < n {
            let v = p[i]
            s += Double(v)
            a += Double(abs(v))
            minKey = Swift.min(minKey, orderedKey(v))
            maxKey = Swift.max(maxKey, orderedKey(v))
            z += v == 0 ? 1 : 0
            i += 1
        }
        guard n > 0 else { return (0, 0, .infinity, -.infinity, 0) }
        return (s, a, float(orderedKey: minKey), float(orderedKey: maxKey), z)
    }

    /// Σ (x − mean)² of finite values.
    @inline(never) static func centredSquares(_ x: UnsafeBufferPointer<Float>, mean: Double) -> Double {
        guard let p = x.baseAddress else { return 0 }
        let n = x.count
        let m = SIMD8<Double>(repeating: mean)
        var acc = SIMD8<Double>.zero
        var i = 0
        while i + 8 <= n {
            let d = wide(load(p, i)) - m
            acc += d * d
            i += 8
        }
        var total = acc.sum()
        while i < n {
            let d = Double(p[i]) - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// Σ x² of finite values.
    @inline(never) static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        centredSquares(x, mean: 0)
    }

    /// Moves the finite values to the front of `x`; returns how many there are and
    /// how many of the others were NaN.
    @inline(never) static func compactFinite(_ x: UnsafeMutableBufferPointer<Float>) -> (finite: Int, nans: Int) {
        var kept = 0, nans = 0
        for i in 0..<x.count {
            let v = x[i]
            if v.isFinite {
                x[kept] = v
                kept += 1
            } else if v.isNaN {
                nans += 1
            }
        }
        return (kept, nans)
    }

    /// What a comparison accumulates over pairs of finite values.
    struct PairSums {
        var sumSquaredDifference = 0.0
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        var maxAbsoluteDifference = 0.0
        var maxRelativeDifference = 0.0
        var beyondTolerance = 0
    }

    /// Differences between pairs of finite values, counting those beyond `atol + rtol·max(|a|,|b|)`.
    @inline(never) static func comparePairs(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                                            atol: Double, rtol: Double) -> PairSums {
        var s = PairSums()
        guard !a.isEmpty, let pa = a.baseAddress, let pb = b.baseAddress else { return s }
        let n = a.count
        var sq = SIMD8<Double>.zero, dot = SIMD8<Double>.zero, na = SIMD8<Double>.zero, nb = SIMD8<Double>.zero
        var maxAbs = SIMD8<Double>.zero, maxRel = SIMD8<Double>.zero
        var beyond = SIMD8<Double>.zero
        let at = SIMD8<Double>(repeating: atol), rt = SIMD8<Double>(repeating: rtol)
        var i = 0
        while i + 8 <= n {
            let x = wide(load(pa, i)), y = wide(load(pb, i))
            let d = lanewise(x - y) { abs($0) }
            let scale = lanewise(lanewise(x) { abs($0) }, lanewise(y) { abs($0) }) { Swift.max($0, $1) }
            sq += d * d
            dot += x * y
            na += x * x
            nb += y * y
            maxAbs = lanewise(maxAbs, d) { Swift.max($0, $1) }
            maxRel = lanewise(maxRel, lanewise(d, scale) { $1 > 0 ? $0 / $1 : 0 }) { Swift.max($0, $1) }
            beyond += lanewise(d, at + rt * scale) { $0 > $1 ? 1 : 0 }
            i += 8
        }
        s.sumSquaredDifference = sq.sum()
        s.dot = dot.sum()
        s.normA = na.sum()
        s.normB = nb.sum()
        s.maxAbsoluteDifference = maxAbs.max()
        s.maxRelativeDifference = maxRel.max()
        s.beyondTolerance = Int(beyond.sum())
        while i < n {
            let x = Double(pa[i]), y = Double(pb[i])
            let d = abs(x - y)
            let scale = Swift.max(abs(x), abs(y))
            s.sumSquaredDifference += d * d
            s.dot += x * y
            s.normA += x * x
            s.normB += y * y
            s.maxAbsoluteDifference = Swift.max(s.maxAbsoluteDifference, d)
            s.maxRelativeDifference = Swift.max(s.maxRelativeDifference, scale > 0 ? d / scale : 0)
            s.beyondTolerance += d > atol + rtol * scale ? 1 : 0
            i += 1
        }
        return s
    }

    /// Moves the pairs where both values are finite to the front of `a` and `b`.
    /// Returns how many there are and how many other pairs differ (NaN against
    /// anything but NaN, or unequal infinities).
    @inline(never) static func compactFinitePairs(_ a: UnsafeMutableBufferPointer<Float>,
                                                  _ b: UnsafeMutableBufferPointer<Float>) -> (finite: Int, mismatched: Int) {
        var kept = 0, mismatched = 0
        for i in 0..<a.count {
            let x = a[i], y = b[i]
            if x.isFinite && y.isFinite {
                a[kept] = x
                b[kept] = y
                kept += 1
            } else if !(x.isNaN && y.isNaN) && !(x == y) {
                mismatched += 1
            }
        }
        return (kept, mismatched)
    }
}
