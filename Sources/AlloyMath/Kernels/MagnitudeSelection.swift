/// Finds, in streaming passes over a tensor's blocks, which elements a range of
/// positions in a magnitude sort keeps (TIES: the top k; Breadcrumbs: the middle).
///
/// It is a radix select spread over passes: the first pass histograms the high 16
/// bits of every magnitude key; when some key has non-zero low bits (never in
/// bfloat16, whose keys end in 16 zero bits) a second pass histograms the low 16
/// bits inside the one or two buckets that hold the thresholds. The result is a
/// `MagnitudeWindow`: exact thresholds and how many of the elements tied at each
/// threshold are kept.
///
/// Tie rule: among equal magnitudes the sort is taken as stable, so elements tied
/// at a threshold are kept or dropped in index order (TIES keeps the lowest
/// indices, Breadcrumbs drops the lowest indices at its lower threshold and keeps
/// them at its upper one). Small tensors use `MagnitudeRankMask` instead, which
/// replays PyTorch's unstable sort.
public final class MagnitudeSelection {
    enum Stage: Sendable { case high, low }

    let count: Int
    /// Kept positions in the ascending sort of magnitudes.
    let kept: Range<Int>
    let descending: Bool
    private var high: [Int]
    private var lowBitsSeen: UInt32 = 0
    private var lowBuckets: [UInt32] = []
    private var low: [[Int]] = []
    /// The answer, once the passes are done.
    public private(set) var window: MagnitudeWindow?
    /// The pass still needed, if any.
    private(set) var stage: Stage? = .high

    /// Keeps ascending positions `kept` (0 < lowerBound or upperBound < count, and not empty)
    /// of `count` magnitudes; `descending` tells the direction of the sort the positions come from.
    public init(count: Int, kept: Range<Int>, descending: Bool) {
        self.count = count
        self.kept = kept
        self.descending = descending
        high = [Int](repeating: 0, count: 1 << 15)
    }

    /// Adds one block to the current pass.
    public func gather(_ v: UnsafeBufferPointer<Float>) {
        guard v.count > 0 else { return }
        switch stage {
        case .high?:
            let seen = high.withUnsafeMutableBufferPointer { MagnitudeKernels.highHistogram(v, into: $0.baseAddress!) }
            lowBitsSeen |= seen
        case .low?:
            for (i, bucket) in lowBuckets.enumerated() {
                low[i].withUnsafeMutableBufferPointer { MagnitudeKernels.lowHistogram(v, bucket: bucket, into: $0.baseAddress!) }
            }
        case nil:
            return
        }
    }

    /// Ends the current pass: either the window is known or a low-bits pass is needed.
    public func finishPass() {
        switch stage {
        case .high?:
            if lowBitsSeen == 0 {
                window = makeWindow()
                stage = nil
            } else {
                let buckets = thresholdRanks.map { bucket(containing: $0, in: high).bucket }
                lowBuckets = Array(Set(buckets)).sorted()
                low = lowBuckets.map { _ in [Int](repeating: 0, count: 1 << 16) }
                stage = .low
            }
        case .low?:
            window = makeWindow()
            stage = nil
            low = []
        case nil:
            return
        }
    }

    /// Ascending ranks of the lower and upper thresholds (when they exist).
    private var thresholdRanks: [Int] {
        var ranks: [Int] = []
        if kept.lowerBound > 0 { ranks.append(kept.lowerBound) }
        if kept.upperBound < count { ranks.append(kept.upperBound - 1) }
        return ranks
    }

    /// The key of ascending rank `rank`, the number of smaller keys and of equal keys.
    private func key(ofRank rank: Int) -> (key: UInt32, less: Int, equal: Int) {
        let (b, below) = bucket(containing: rank, in: high)
        guard let i = lowBuckets.firstIndex(of: b) else { return (b << 16, below, high[Int(b)]) }
        let (l, lowBelow) = bucket(containing: rank - below, in: low[i])
        return (b << 16 | l, below + lowBelow, low[i][Int(l)])
    }

    private func bucket(containing rank: Int, in h: [Int]) -> (bucket: UInt32, below: Int) {
        var seen = 0
        for b in 0..<h.count {
            if seen + h[b] > rank { return (UInt32(b), seen) }
            seen += h[b]
        }
        return (UInt32(h.count - 1), seen)
    }

    private func makeWindow() -> MagnitudeWindow {
        func group(_ rank: Int) -> MagnitudeWindow.TieGroup {
            let (key, less, equal) = key(ofRank: rank)
            // Ascending ordinals kept among the tied elements, then in index order.
            let a = max(kept.lowerBound - less, 0), b = min(kept.upperBound - less, equal)
            let window = descending ? (equal - b)..<(equal - a) : a..<b
            return MagnitudeWindow.TieGroup(key: key, count: equal, keep: window)
        }
        let lower = kept.lowerBound > 0 ? group(kept.lowerBound) : nil
        let upper = kept.upperBound < count ? group(kept.upperBound - 1) : nil
        if let l = lower, let u = upper, l.key == u.key {
            // Both thresholds on one magnitude: one group, whose window covers both cuts.
            return MagnitudeWindow(lower: l, upper: nil, single: true)
        }
        return MagnitudeWindow(lower: lower, upper: upper, single: false)
    }
}

/// Which magnitudes are kept: keys strictly between the thresholds, and at each
/// threshold the tied elements whose ordinal (in index order) lies in a window.
/// Applying it block by block needs the blocks in order: it counts tied elements as
/// it goes (`restart()` before each pass).
public struct MagnitudeWindow: Sendable {
    struct TieGroup: Sendable {
        var key: UInt32
        /// Elements of the tensor with this key.
        var count: Int
        /// Ordinals (in index order, among those elements) that are kept.
        var keep: Range<Int>
        /// How many of them earlier blocks held.
        var seen = 0

        var keepsAll: Bool { keep.lowerBound <= 0 && keep.upperBound >= count }
        var keepsNone: Bool { keep.isEmpty }
    }

    /// The lower threshold (nil: no lower bound).
    var lower: TieGroup?
    /// The upper threshold (nil: no upper bound).
    var upper: TieGroup?
    /// True when both thresholds are one magnitude (`lower` then holds the group, and
    /// nothing else is kept).
    var single: Bool

    /// Forgets the tied elements counted so far, before another pass over the blocks.
    public mutating func restart() {
        lower?.seen = 0
        upper?.seen = 0
    }

    /// Zeroes, in place, the elements of the next block that are not kept.
    ///
    /// Within a block, a threshold's tied elements are all kept or all dropped except
    /// where the block holds an edge of the group's window; the block is then cut at
    /// those elements into segments, each filtered with fixed key bounds. A group whose
    /// window cannot have an edge in the block (the block is shorter than the distance
    /// to the next edge) has its tied elements counted by the filtering loop itself.
    public mutating func apply(to v: UnsafeMutableBufferPointer<Float>) {
        guard v.count > 0 else { return }
        var cuts: [(position: Int, lower: Bool, keep: Bool)] = []
        var lowerDeferred = false, upperDeferred = false
        var lowerKeeps = Self.advance(&lower, over: UnsafeBufferPointer(v), lower: true, cuts: &cuts, deferred: &lowerDeferred)
        var upperKeeps = single ? true
            : Self.advance(&upper, over: UnsafeBufferPointer(v), lower: false, cuts: &cuts, deferred: &upperDeferred)
        // Keys no element has (above every normalised key) count nothing.
        let none = UInt32.max
        let lowerKey = lowerDeferred ? lower!.key : none, upperKey = upperDeferred ? upper!.key : none
        var lowerCount = 0, upperCount = 0
        cuts.sort { $0.position < $1.position }
        var start = 0
        for cut in cuts + [(position: v.count, lower: true, keep: lowerKeeps)] {
            if cut.position > start {
                let (low, high) = bounds(lowerKeeps: lowerKeeps, upperKeeps: upperKeeps)
                let segment = UnsafeMutableBufferPointer(rebasing: v[start..<cut.position])
                if lowerDeferred || upperDeferred {
                    let (a, b) = MagnitudeKernels.keepKeys(segment, from: low, through: high, counting: lowerKey, upperKey)
                    lowerCount += a
                    upperCount += b
                } else {
                    MagnitudeKernels.keepKeys(segment, from: low, through: high)
                }
                start = cut.position
            }
            if cut.lower { lowerKeeps = cut.keep } else { upperKeeps = cut.keep }
        }
        if lowerDeferred { lower!.seen += lowerCount }
        if upperDeferred { upper!.seen += upperCount }
    }

    /// Counts `group`'s tied elements in the block (or, when no edge of its window can lie in
    /// the block, sets `deferred` so the filtering loop counts them), records where its window
    /// starts or ends inside the block, and returns whether the block's first tied elements are kept.
    private static func advance(_ group: inout TieGroup?, over v: UnsafeBufferPointer<Float>, lower: Bool,
                                cuts: inout [(position: Int, lower: Bool, keep: Bool)], deferred: inout Bool) -> Bool {
        guard var g = group else { return true }
        if g.keepsAll { return true }
        if g.keepsNone || g.seen >= g.keep.upperBound { return false }
        let start = g.seen
        let edges = [(g.keep.lowerBound, true), (g.keep.upperBound, false)]
        // The block holds at most v.count tied elements, so an edge at or beyond start + v.count is not in it.
        if !edges.contains(where: { $0.0 > start && $0.0 < start + v.count }) {
            deferred = true
            return g.keep.contains(start)
        }
        let n = MagnitudeKernels.countEqual(v, key: g.key)
        g.seen += n
        group = g
        for (edge, keep) in edges where edge > start && edge < start + n {
            cuts.append((MagnitudeKernels.position(ofEqual: edge - start, key: g.key, in: v), lower, keep))
        }
        return g.keep.contains(start)
    }

    /// Inclusive key bounds of the kept elements, given whether each threshold's tied elements are kept.
    private func bounds(lowerKeeps: Bool, upperKeeps: Bool) -> (Int32, Int32) {
        var low: Int32 = 0, high = Int32.max
        if let g = lower {
            let key = Int32(bitPattern: g.key)
            low = lowerKeeps ? key : key + 1
            if single { high = lowerKeeps ? key : key - 1 }
        }
        if let g = upper, !single {
            let key = Int32(bitPattern: g.key)
            high = upperKeeps ? key : key - 1
        }
        return (low, high)
    }
}

/// Loops over magnitude keys (`MagnitudeRankMask.normalizedKey`: |x|'s bits, NaN as one value).
enum MagnitudeKernels {
    /// Counts keys by their high 16 bits; returns the OR of every key's low 16 bits.
    @inline(never) static func highHistogram(_ v: UnsafeBufferPointer<Float>, into h: UnsafeMutablePointer<Int>) -> UInt32 {
        let p = v.baseAddress!
        var seen: UInt32 = 0
        for i in 0..<v.count {
            let k = MagnitudeRankMask.normalizedKey(p[i])
            h[Int(k >> 16)] &+= 1
            seen |= k & 0xFFFF
        }
        return seen
    }

    /// Counts the low 16 bits of the keys whose high 16 bits are `bucket`.
    @inline(never) static func lowHistogram(_ v: UnsafeBufferPointer<Float>, bucket: UInt32, into h: UnsafeMutablePointer<Int>) {
        let p = v.baseAddress!
        for i in 0..<v.count {
            let k = MagnitudeRankMask.normalizedKey(p[i])
            if k >> 16 == bucket { h[Int(k & 0xFFFF)] &+= 1 }
        }
    }

    /// How many keys equal `key`.
    static func countEqual(_ v: UnsafeBufferPointer<Float>, key: UInt32) -> Int {
        guard v.count > 0 else { return 0 }
        let bits = UnsafeRawPointer(v.baseAddress!).assumingMemoryBound(to: UInt32.self)
        var total = 0
        // 32-bit counters (they vectorise) over runs too short to overflow them.
        for start in stride(from: 0, to: v.count, by: 1 << 30) {
            let n = min(1 << 30, v.count - start)
            total += Int(key > 0x7F80_0000 ? countNaN(bits + start, n) : countMagnitude(bits + start, n, key))
        }
        return total
    }

    /// How many of `n` float bit patterns have magnitude bits `key` (not a NaN's).
    @inline(never) static func countMagnitude(_ p: UnsafePointer<UInt32>, _ n: Int, _ key: UInt32) -> UInt32 {
        var c: UInt32 = 0
        for i in 0..<n {
            // Arithmetic, not a select (which becomes a branch and stops vectorisation): both
            // sides are below 2^31, so x | −x has its top bit set exactly when x ≠ 0.
            let x = (p[i] & 0x7FFF_FFFF) ^ key
            c &+= 1 &- ((x | (0 &- x)) >> 31)
        }
        return c
    }

    /// How many of `n` float bit patterns are NaNs.
    @inline(never) static func countNaN(_ p: UnsafePointer<UInt32>, _ n: Int) -> UInt32 {
        var c: UInt32 = 0
        // 0x7F800000 − k is negative exactly when the magnitude bits k exceed infinity's.
        for i in 0..<n { c &+= (0x7F80_0000 &- (p[i] & 0x7FFF_FFFF)) >> 31 }
        return c
    }

    /// Zeroes every element whose key is outside `low...high`.
    @inline(never) static func keepKeys(_ v: UnsafeMutableBufferPointer<Float>, from low: Int32, through high: Int32) {
        if high < low { return MagnitudeRankMask.zero(v) }
        let p = v.baseAddress!
        let width = UInt32(bitPattern: high &- low)
        for i in 0..<v.count {
            // One unsigned comparison tests low <= k <= high.
            let k = Int32(bitPattern: MagnitudeRankMask.normalizedKey(p[i]))
            p[i] = MagnitudeRankMask.masked(p[i], UInt32(bitPattern: k &- low) <= width)
        }
    }

    /// `keepKeys(_:from:through:)` that also counts the keys equal to `a` and to `b`.
    @inline(never) static func keepKeys(_ v: UnsafeMutableBufferPointer<Float>, from low: Int32, through high: Int32,
                                        counting a: UInt32, _ b: UInt32) -> (Int, Int) {
        let p = v.baseAddress!
        let width = high < low ? 0 : UInt32(bitPattern: high &- low)
        let all: UInt32 = high < low ? 0 : .max
        var ca = 0, cb = 0
        for i in 0..<v.count {
            let key = MagnitudeRankMask.normalizedKey(p[i])
            ca &+= key == a ? 1 : 0
            cb &+= key == b ? 1 : 0
            let k = Int32(bitPattern: key)
            let keep = UInt32(bitPattern: k &- low) <= width
            p[i] = Float(bitPattern: p[i].bitPattern & (keep ? all : 0))
        }
        return (ca, cb)
    }

    /// Index of the element that is the `ordinal`-th (0-based) with key `key`.
    /// - Precondition: there are more than `ordinal` such elements.
    @inline(never) static func position(ofEqual ordinal: Int, key: UInt32, in v: UnsafeBufferPointer<Float>) -> Int {
        var seen = 0
        for i in 0..<v.count where MagnitudeRankMask.normalizedKey(v[i]) == key {
            if seen == ordinal { return i }
            seen += 1
        }
        preconditionFailure("magnitude window: fewer tied elements than counted")
    }
}

extension MagnitudeSelection {
    /// Zeroes every element of `values` but the `k` of largest magnitude, in one
    /// block (PEFT's and TIES' magnitude pruning). Ties at the threshold keep the
    /// lowest indices.
    public static func keepLargest(_ values: inout [Float], k: Int) {
        values.withUnsafeMutableBufferPointer { keepLargest($0, k: k) }
    }

    /// `keepLargest(_:k:)` on a buffer.
    static func keepLargest(_ v: UnsafeMutableBufferPointer<Float>, k: Int) {
        let n = v.count
        guard k < n else { return }
        guard k > 0 else { v.update(repeating: 0); return }
        let selection = MagnitudeSelection(count: n, kept: (n - k)..<n, descending: true)
        while selection.stage != nil {
            selection.gather(UnsafeBufferPointer(v))
            selection.finishPass()
        }
        guard var window = selection.window else { return }
        window.apply(to: v)
    }
}
