/// One-pass comparison kernels: decode both sides, check and accumulate each
/// pair of elements once.
///
/// Like `StatisticsKernel`, a block (at most `StatisticsKernel.blockElements`
/// pairs) is reduced over eight float lanes with double accumulators, with no
/// branch per element; a block holding a NaN or infinity on either side is redone
/// by a plain scalar loop that matches them up. Blocks merge in order.
enum DifferenceKernel {
    /// The difference over pairs `range` of `a` and `b`.
    static func block<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ range: Range<Int>,
                                                    _ tolerance: Tolerance) -> TensorDifference {
        precondition(range.count <= StatisticsKernel.blockElements)
        let groups = range.count / 8
        let laneEnd = range.lowerBound + groups * 8
        var d = TensorDifference()
        if groups > 0 && !finiteLanes(a, b, range.lowerBound, groups, tolerance, into: &d) {
            scalar(a, b, range.lowerBound..<laneEnd, tolerance, into: &d)
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

    /// Adds `groups` groups of eight pairs from `start` to `d`, or returns false
    /// (leaving `d` alone) when any value among them is NaN or infinite.
    @inline(never) static func finiteLanes<A: LaneSource, B: LaneSource>(_ a: A, _ b: B, _ start: Int, _ groups: Int,
                                                                         _ tolerance: Tolerance,
                                                                         into d: inout TensorDifference) -> Bool {
        let atol = SIMD4<Double>(repeating: tolerance.atol), rtol = SIMD4<Double>(repeating: tolerance.rtol)
        let tiny = SIMD4<Double>(repeating: .leastNonzeroMagnitude)
        var sq = SIMD4<Double>.zero, dot = SIMD4<Double>.zero, na = SIMD4<Double>.zero, nb = SIMD4<Double>.zero
        var maxAbs = SIMD4<Double>.zero, maxRel = SIMD4<Double>.zero, beyond = SIMD4<Double>.zero
        var bad = SIMD8<UInt32>.zero

        @inline(__always) func half(_ x: SIMD4<Double>, _ y: SIMD4<Double>, _ scale: SIMD4<Double>) {
            let diff = x - y
            let absDiff = Lanes.abs(diff)
            sq += diff * diff
            dot += x * y
            na += x * x
            nb += y * y
            maxAbs = Lanes.max(maxAbs, absDiff)
            // A zero scale means both values are 0, so absDiff is 0 and so is the ratio.
            maxRel = Lanes.max(maxRel, absDiff / Lanes.max(scale, tiny))
            beyond += Lanes.greater(absDiff, atol + rtol * scale)
        }

        for g in 0..<groups {
            let i = start &+ g &* 8
            let va = a.lanes(at: i), vb = b.lanes(at: i)
            bad |= Lanes.nonFinite(va) | Lanes.nonFinite(vb)
            let (x0, x1) = Lanes.widen(va), (y0, y1) = Lanes.widen(vb)
            let (s0, s1) = Lanes.widen(Lanes.max(Lanes.abs(va), Lanes.abs(vb)))
            half(x0, y0, s0)
            half(x1, y1, s1)
        }
        guard bad.wrappedSum() == 0 else { return false }
        d.count += groups * 8
        d.finiteCount += groups * 8
        let beyondTolerance = Int(beyond.sum())
        d.mismatches += beyondTolerance
        d.maxAbsoluteDifference = Swift.max(d.maxAbsoluteDifference, maxAbs.max())
        d.maxRelativeDifference = Swift.max(d.maxRelativeDifference, maxRel.max())
        d.sumSquaredDifference += sq.sum()
        d.dot += dot.sum()
        d.normA += na.sum()
        d.normB += nb.sum()
        return true
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
