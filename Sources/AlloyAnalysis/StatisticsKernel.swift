/// Sums over one block of a tensor. Values enter shifted by `shift` (a value of
/// the block), so the variance comes out of Σd and Σd² without cancellation.
struct BlockMoments {
    var count = 0
    var finite = 0
    var zeros = 0
    var nans = 0
    var infs = 0
    var shiftedSum = 0.0
    var shiftedSquares = 0.0
    var sumAbs = 0.0
    var min = Float.infinity
    var max = -Float.infinity

    /// The block's statistics (mean = shift + Σd/n, m2 = Σd² − (Σd)²/n).
    func statistics(shift: Float) -> TensorStatistics {
        var s = TensorStatistics()
        s.count = count
        s.finiteCount = finite
        s.zeros = zeros
        s.nans = nans
        s.infs = infs
        guard finite > 0 else { return s }
        let n = Double(finite)
        s.runningMean = Double(shift) + shiftedSum / n
        s.m2 = Swift.max(0, shiftedSquares - shiftedSum * shiftedSum / n)
        s.sumAbs = sumAbs
        s.minimum = min
        s.maximum = max
        return s
    }
}

/// One-pass statistics kernels: decode, check and accumulate each element once.
///
/// A tensor is cut into blocks of at most `blockElements` elements, counted from
/// its first element, whatever the thread count. Each block is reduced in one
/// pass over eight float lanes with double accumulators (no branch per element;
/// NaN/Inf found by bit tests); a block holding a NaN or infinity is redone by a
/// plain scalar loop that sorts them out. Blocks merge in order, so the result
/// is deterministic.
enum StatisticsKernel {
    /// Elements per block: small enough to stay in cache, large enough to amortise the merge.
    static let blockElements = 4096

    /// Statistics of elements `range` of `source`, one block (≤ `blockElements`) at a time.
    static func statistics<S: LaneSource>(_ source: S, _ range: Range<Int>, block: Int = blockElements) -> TensorStatistics {
        var total = TensorStatistics()
        var start = range.lowerBound
        while start < range.upperBound {
            let end = Swift.min(range.upperBound, start + block)
            total.merge(self.block(source, start..<end))
            start = end
        }
        return total
    }

    /// Statistics of one block (at most `blockElements` elements).
    static func block<S: LaneSource>(_ source: S, _ range: Range<Int>) -> TensorStatistics {
        precondition(range.count <= blockElements)
        guard !range.isEmpty else { return TensorStatistics() }
        let first = source.value(at: range.lowerBound)
        let shift = first.isFinite ? first : 0
        let groups = range.count / 8
        let laneEnd = range.lowerBound + groups * 8
        var m = BlockMoments()
        if groups > 0 && !finiteLanes(source, range.lowerBound, groups, shift, into: &m) {
            scalar(source, range.lowerBound..<laneEnd, shift, into: &m)
        }
        scalar(source, laneEnd..<range.upperBound, shift, into: &m)
        return m.statistics(shift: shift)
    }

    /// Adds `groups` groups of eight elements from `start` to `m`, or returns false
    /// (leaving `m` alone) when any of them is NaN or infinite.
    ///
    /// Two passes over the (cache-resident) block, each with few enough
    /// accumulators to stay in registers: float extremes and counts, then the
    /// double sums.
    @inline(never) static func finiteLanes<S: LaneSource>(_ source: S, _ start: Int, _ groups: Int, _ shift: Float,
                                                          into m: inout BlockMoments) -> Bool {
        let extremes = extremes(source, start, groups)
        guard extremes.nonFinite == 0 else { return false }
        let sums = sums(source, start, groups, shift)
        let n = groups * 8
        m.count += n
        m.finite += n
        m.zeros += extremes.zeros
        m.shiftedSum += sums.shifted
        m.shiftedSquares += sums.squares
        m.sumAbs += sums.abs
        m.min = Swift.min(m.min, extremes.min)
        m.max = Swift.max(m.max, extremes.max)
        return true
    }

    /// Minimum, maximum (meaningful when `nonFinite` is 0) and the zero and non-finite counts.
    @inline(never) static func extremes<S: LaneSource>(_ source: S, _ start: Int, _ groups: Int)
        -> (min: Float, max: Float, zeros: Int, nonFinite: Int)
    {
        var lo = SIMD8<Float>(repeating: .infinity), hi = SIMD8<Float>(repeating: -.infinity)
        var zeros = SIMD8<UInt32>.zero, nonFinite = SIMD8<UInt32>.zero
        for g in 0..<groups {
            let v = source.lanes(at: start &+ g &* 8)
            nonFinite &+= Lanes.nonFinite(v)
            zeros &+= Lanes.zero(v)
            lo = Lanes.min(v, lo)
            hi = Lanes.max(v, hi)
        }
        return (lo.min(), hi.max(), Int(zeros.wrappedSum()), Int(nonFinite.wrappedSum()))
    }

    /// Σ(x − shift), Σ(x − shift)² and Σ|x| over finite elements.
    @inline(never) static func sums<S: LaneSource>(_ source: S, _ start: Int, _ groups: Int, _ shift: Float)
        -> (shifted: Double, squares: Double, abs: Double)
    {
        let k = SIMD4<Double>(repeating: Double(shift))
        var sum = SIMD4<Double>.zero, sq = SIMD4<Double>.zero, absSum = SIMD4<Double>.zero
        for g in 0..<groups {
            let v = source.lanes(at: start &+ g &* 8)
            let (x0, x1) = Lanes.widen(v), (a0, a1) = Lanes.widen(Lanes.abs(v))
            let d0 = x0 - k, d1 = x1 - k
            sum += d0
            sq += d0 * d0
            absSum += a0
            sum += d1
            sq += d1 * d1
            absSum += a1
        }
        return (sum.sum(), sq.sum(), absSum.sum())
    }

    /// Adds elements `range` to `m` one at a time, counting NaN and infinities apart.
    @inline(never) static func scalar<S: LaneSource>(_ source: S, _ range: Range<Int>, _ shift: Float,
                                                     into m: inout BlockMoments) {
        let k = Double(shift)
        for i in range {
            let v = source.value(at: i)
            m.count += 1
            if v.isNaN { m.nans += 1; continue }
            if v.isInfinite { m.infs += 1; continue }
            m.finite += 1
            if v == 0 { m.zeros += 1 }
            let d = Double(v) - k
            m.shiftedSum += d
            m.shiftedSquares += d * d
            m.sumAbs += Double(abs(v))
            m.min = Swift.min(m.min, v)
            m.max = Swift.max(m.max, v)
        }
    }
}
