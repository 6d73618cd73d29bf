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

    /// Sum, sum of |x|, minimum, maximum and zero count of finite values.
    @inline(never) static func firstMoments(_ x: UnsafeBufferPointer<Float>)
        -> (sum: Double, sumAbs: Double, min: Float, max: Float, zeros: Int)
    {
        var sum = 0.0, sumAbs = 0.0
        var lo = Float.infinity, hi = -Float.infinity
        var zeros = 0
        for v in x {
            sum += Double(v)
            sumAbs += Double(abs(v))
            lo = v < lo ? v : lo
            hi = v > hi ? v : hi
            zeros &+= v == 0 ? 1 : 0
        }
        return (sum, sumAbs, lo, hi, zeros)
    }

    /// Σ (x − mean)² of finite values.
    @inline(never) static func centredSquares(_ x: UnsafeBufferPointer<Float>, mean: Double) -> Double {
        var m2 = 0.0
        for v in x {
            let d = Double(v) - mean
            m2 += d * d
        }
        return m2
    }

    /// Σ x² of finite values.
    @inline(never) static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return s
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
        guard !a.isEmpty else { return s }
        let pa = a.baseAddress!, pb = b.baseAddress!
        var sq = 0.0, dot = 0.0, na = 0.0, nb = 0.0, maxAbs = 0.0, maxRel = 0.0
        var beyond = 0
        for i in 0..<a.count {
            let x = Double(pa[i]), y = Double(pb[i])
            let d = abs(x - y)
            let scale = max(abs(x), abs(y))
            sq += d * d
            dot += x * y
            na += x * x
            nb += y * y
            maxAbs = d > maxAbs ? d : maxAbs
            let rel = scale > 0 ? d / scale : 0
            maxRel = rel > maxRel ? rel : maxRel
            beyond &+= d > atol + rtol * scale ? 1 : 0
        }
        s.sumSquaredDifference = sq
        s.dot = dot
        s.normA = na
        s.normB = nb
        s.maxAbsoluteDifference = maxAbs
        s.maxRelativeDifference = maxRel
        s.beyondTolerance = beyond
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
