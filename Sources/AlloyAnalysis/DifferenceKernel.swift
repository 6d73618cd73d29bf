/// One-pass comparison kernels: decode both sides, check and accumulate each
/// pair of elements once.
///
/// Like `StatisticsKernel`, a block (at most `StatisticsKernel.blockElements`
/// pairs) is reduced over eight float lanes with double accumulators, with no
/// branch per element; a block holding a NaN or infinity on either side is redone
/// by a plain scalar loop that matches them up. Blocks merge in order.
enum DifferenceKernel {
    /// The difference over pairs `range` of `a` and `b`. Its largest relative
    /// difference is exact when it may beat `relativeSoFar` (the best of earlier
    /// blocks) and may be left lower otherwise, so merged results are exact.
    static func block<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ range: Range<Int>,
                                                    _ tolerance: Tolerance, relativeSoFar: Double = 0) -> TensorDifference {
        precondition(range.count <= StatisticsKernel.blockElements)
        let groups = range.count / 8
        let laneEnd = range.lowerBound + groups * 8
        var d = TensorDifference()
        if groups > 0 {
            if let estimate = finiteLanes(a, b, range.lowerBound, groups, tolerance, into: &d) {
                // The lanes find the largest ratio in float (within 2^-22 relative);
                // the exact one is recomputed in double only when it may matter.
                // (A ratio cannot exceed 2: |a − b| ≤ |a| + |b|.)
                if relativeSoFar < 2 && Double(estimate) * (1 + 0x1p-18) + 0x1p-120 >= relativeSoFar {
                    // An infinite estimate (a − b overflowed float) says nothing: look at every pair.
                    let threshold = estimate.isFinite ? estimate * (1 - 0x1p-18) : 0
                    d.maxRelativeDifference = maxRelative(a, b, range.lowerBound..<laneEnd, candidatesFrom: threshold)
                }
            } else {
                scalar(a, b, range.lowerBound..<laneEnd, tolerance, into: &d)
            }
        }
        scalar(a, b, laneEnd..<range.upperBound, tolerance, into: &d)
        return d
    }

    /// The difference of a block with itself (its bytes are identical): nothing
    /// differs, but the norms and the dot product count.
    static func identicalBlock<A: LaneSource>(_ a: A, _ range: Range<Int>) -> TensorDifference {
        let groups = range.count / 8
        let laneEnd = range.lowerBound + groups * 8
        var d = TensorDifference()
        if groups > 0, let squares = finiteSquares(a, range.lowerBound, groups) {
            d.count = groups * 8
            d.finiteCount = groups * 8
            d.dot = squares
            d.normA = squares
            d.normB = squares
        } else {
            scalar(a, a, range.lowerBound..<laneEnd, .exact, into: &d)
        }
        scalar(a, a, laneEnd..<range.upperBound, .exact, into: &d)
        return d
    }

    /// Adds `groups` groups of eight pairs from `start` to `d`, except the largest
    /// relative difference, of which it returns a float estimate; or returns nil
    /// (leaving `d` alone) when any value among them is NaN or infinite.
    @inline(never) static func finiteLanes<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ start: Int, _ groups: Int,
                                                                         _ tolerance: Tolerance,
                                                                         into d: inout TensorDifference) -> Float? {
        // Two passes over the (cache-resident) block, each with few enough
        // accumulators to stay in registers: the sums, then the extremes.
        guard let sums = finiteSums(a, b, start, groups) else { return nil }
        let extremes = extremes(a, b, start, groups, tolerance)
        d.count += groups * 8
        d.finiteCount += groups * 8
        d.mismatches += extremes.beyond
        d.maxAbsoluteDifference = Swift.max(d.maxAbsoluteDifference, extremes.maxAbs)
        d.sumSquaredDifference += sums.sq
        d.dot += sums.dot
        d.normA += sums.na
        d.normB += sums.nb
        return extremes.maxRel
    }

    /// Σ(a − b)², Σab, Σa², Σb² over `groups` groups of eight pairs, or nil when
    /// any value is NaN or infinite.
    @inline(never) static func finiteSums<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ start: Int, _ groups: Int)
        -> (sq: Double, dot: Double, na: Double, nb: Double)?
    {
        var sq = SIMD4<Double>.zero, dot = SIMD4<Double>.zero, na = SIMD4<Double>.zero, nb = SIMD4<Double>.zero
        var bad = SIMD8<UInt32>.zero
        for g in 0..<groups {
            let i = start &+ g &* 8
            let va = a.lanes(at: i), vb = b.lanes(at: i)
            bad |= Lanes.nonFinite(va) | Lanes.nonFinite(vb)
            let (x0, x1) = Lanes.widen(va), (y0, y1) = Lanes.widen(vb)
            let d0 = x0 - y0, d1 = x1 - y1
            sq += d0 * d0
            dot += x0 * y0
            na += x0 * x0
            nb += y0 * y0
            sq += d1 * d1
            dot += x1 * y1
            na += x1 * x1
            nb += y1 * y1
        }
        guard bad.wrappedSum() == 0 else { return nil }
        return (sq.sum(), dot.sum(), na.sum(), nb.sum())
    }

    /// max |a − b| and the count beyond tolerance (in double), and a float
    /// estimate of max |a − b| / max(|a|, |b|), over finite pairs.
    @inline(never) static func extremes<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ start: Int, _ groups: Int,
                                                                      _ tolerance: Tolerance)
        -> (maxAbs: Double, beyond: Int, maxRel: Float)
    {
        let atol = SIMD4<Double>(repeating: tolerance.atol), rtol = SIMD4<Double>(repeating: tolerance.rtol)
        let tiny = SIMD8<Float>(repeating: .leastNonzeroMagnitude)
        var maxAbs = SIMD4<Double>.zero, beyond = SIMD4<UInt64>.zero
        var maxRel = SIMD8<Float>.zero
        for g in 0..<groups {
            let i = start &+ g &* 8
            let va = a.lanes(at: i), vb = b.lanes(at: i)
            let scale = Lanes.max(Lanes.abs(va), Lanes.abs(vb))
            // A zero scale means both values are 0, so the difference is 0 and so is the ratio.
            maxRel = Lanes.max(maxRel, Lanes.abs(va - vb) / Lanes.max(scale, tiny))
            let (x0, x1) = Lanes.widen(va), (y0, y1) = Lanes.widen(vb), (s0, s1) = Lanes.widen(scale)
            let d0 = Lanes.abs(x0 - y0), d1 = Lanes.abs(x1 - y1)
            maxAbs = Lanes.max(maxAbs, Lanes.max(d0, d1))
            beyond &+= Lanes.exceeds(d0, atol + rtol * s0) &+ Lanes.exceeds(d1, atol + rtol * s1)
        }
        return (maxAbs.max(), Int(beyond.wrappedSum()), maxRel.max())
    }

    /// The largest |a − b| / max(|a|, |b|) over pairs `range` (all finite), in
    /// double, looking only at pairs whose float ratio reaches `threshold`.
    @inline(never) static func maxRelative<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ range: Range<Int>,
                                                                         candidatesFrom threshold: Float) -> Double {
        var best = 0.0
        for i in range {
            let va = a.value(at: i), vb = b.value(at: i)
            let scale = Swift.max(abs(va), abs(vb))
            guard scale > 0, abs(va - vb) >= threshold * scale else { continue }
            best = Swift.max(best, abs(Double(va) - Double(vb)) / Double(scale))
        }
        return best
    }

    /// Σx² over `groups` groups of eight elements, or nil when any is NaN or infinite.
    @inline(never) static func finiteSquares<A: LaneSource>(_ a: A, _ start: Int, _ groups: Int) -> Double? {
        var sq0 = SIMD4<Double>.zero, sq1 = SIMD4<Double>.zero
        var bad = SIMD8<UInt32>.zero
        for g in 0..<groups {
            let v = a.lanes(at: start &+ g &* 8)
            bad |= Lanes.nonFinite(v)
            let (x0, x1) = Lanes.widen(v)
            sq0 += x0 * x0
            sq1 += x1 * x1
        }
        return bad.wrappedSum() == 0 ? (sq0 + sq1).sum() : nil
    }

    /// Adds pairs `range` to `d` one at a time. Pairs where both values are finite
    /// feed the statistics; others differ unless both are NaN or the same infinity.
    @inline(never) static func scalar<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ range: Range<Int>,
                                                                    _ tolerance: Tolerance,
                                                                    into d: inout TensorDifference) {
        for i in range {
            let va = a.value(at: i), vb = b.value(at: i)
            d.count += 1
            guard va.isFinite && vb.isFinite else {
                if !(va.isNaN && vb.isNaN) && !(va == vb) {
                    d.nonFiniteMismatches += 1
                    d.mismatches += 1
                }
                continue
            }
            d.finiteCount += 1
            let x = Double(va), y = Double(vb)
            let diff = abs(x - y)
            let scale = Swift.max(abs(x), abs(y))
            d.sumSquaredDifference += diff * diff
            d.dot += x * y
            d.normA += x * x
            d.normB += y * y
            d.maxAbsoluteDifference = Swift.max(d.maxAbsoluteDifference, diff)
            d.maxRelativeDifference = Swift.max(d.maxRelativeDifference, scale > 0 ? diff / scale : 0)
            if diff > tolerance.atol + tolerance.rtol * scale { d.mismatches += 1 }
        }
    }
}
