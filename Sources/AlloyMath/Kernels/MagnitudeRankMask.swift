import AlloyMath
/// Keeps the elements whose position in a magnitude sort lies in a range and
/// zeroes the rest: the selection step of TIES trimming (the first k of a
/// descending sort) and of Model Breadcrumbs (the middle of an ascending sort).
///
/// The thresholds come from a radix select on the bit patterns. Only when a
/// boundary cuts through a run of equal magnitudes (frequent in bfloat16) does it
/// matter which of the tied elements survive; then the choice PyTorch's CPU sort
/// makes is replayed with `IntrosortSelection`, so results match mergekit's.
public enum MagnitudeRankMask {
    /// `x` when `keep`, else +0, without a branch (a select on a loaded value vectorises;
    /// a conditional load does not).
    @inlinable @inline(__always) public static func masked(_ x: Float, _ keep: Bool) -> Float {
        Float(bitPattern: x.bitPattern & (keep ? UInt32.max : 0))
    }

    public enum Order: Sendable { case ascending, descending }

    /// The PyTorch CPU routine whose choice among tied elements is replayed.
    public enum Routine: Sendable {
        /// `torch.sort` / `torch.argsort` (libstdc++ `std::sort`).
        case sort
        /// `torch.topk` (libstdc++ `std::partial_sort` when `k·64 ≤ n`, else `std::nth_element`);
        /// positions must start at 0.
        case topK
    }

    /// Zeroes, in place, every element whose position in the `order` sort of `|values|`
    /// is outside `positions`. Returns the number of elements kept.
    @discardableResult
    public static func keep(_ positions: Range<Int>, order: Order, routine: Routine = .sort,
                            of values: UnsafeMutableBufferPointer<Float>) -> Int {
        let n = values.count
        let p0 = max(0, positions.lowerBound), p1 = min(n, positions.upperBound)
        if p0 >= p1 {
            zero(values)
            return 0
        }
        if p0 == 0 && p1 == n { return n }
        // The kept ascending ranks.
        let lo = order == .ascending ? p0 : n - p1
        let hi = order == .ascending ? p1 : n - p0
        let view = UnsafeBufferPointer(values)
        let keyLo = RadixSelect.magnitudeKey(ofRank: lo, in: view)
        let keyHi = RadixSelect.magnitudeKey(ofRank: hi - 1, in: view)
        let c = counts(keyLo, keyHi, view)
        let splitLo = c.lessLo < lo
        let splitHi = hi < c.lessHi + c.equalHi
        if (splitLo || splitHi) && n <= Int(UInt32.max) {
            keepBySortReplay(p0..<p1, order: order, routine: routine, of: values)
        } else {
            applyThresholds(values, keyLo: keyLo, keyHi: keyHi)
        }
        return p1 - p0
    }

    /// Sets every element of `v` to +0.
    @inline(never) public static func zero(_ v: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<v.count { v[i] = 0 }
    }

    @inline(never)
    static func counts(_ a: UInt32, _ b: UInt32, _ v: UnsafeBufferPointer<Float>) -> (lessLo: Int, lessHi: Int, equalHi: Int) {
        var ca = 0, cb = 0, eb = 0
        for i in 0..<v.count {
            let k = normalizedKey(v[i])
            ca &+= k < a ? 1 : 0
            cb &+= k < b ? 1 : 0
            eb &+= k == b ? 1 : 0
        }
        return (ca, cb, eb)
    }

    /// Keeps every element with `keyLo <= |x| <= keyHi` (no tie is split).
    @inline(never) static func applyThresholds(_ v: UnsafeMutableBufferPointer<Float>, keyLo: UInt32, keyHi: UInt32) {
        for i in 0..<v.count {
            let k = normalizedKey(v[i])
            if k < keyLo || k > keyHi { v[i] = 0 }
        }
    }

    /// The magnitude key with every NaN mapped to one value (NaNs compare equal in the sort).
    @inline(__always) static func normalizedKey(_ x: Float) -> UInt32 {
        let k = RadixSelect.magnitudeKey(x)
        return k > 0x7F80_0000 ? 0x7FC0_0000 : k
    }

    /// Replays PyTorch's CPU sort to decide the kept elements exactly.
    static func keepBySortReplay(_ positions: Range<Int>, order: Order, routine: Routine, of v: UnsafeMutableBufferPointer<Float>) {
        let n = v.count
        var packed = [UInt64](repeating: 0, count: n)
        var kept = [Bool](repeating: false, count: n)
        packed.withUnsafeMutableBufferPointer { p in
            pack(UnsafeBufferPointer(v), descending: order == .descending, into: p)
            switch routine {
            case .sort:
                IntrosortSelection.select(p, boundaries: [positions.lowerBound, positions.upperBound])
            case .topK:
                precondition(positions.lowerBound == 0, "topK keeps a prefix")
                let k = positions.upperBound
                if k * 64 <= n { IntrosortSelection.partialSortSelect(p, k: k) } else { IntrosortSelection.nthElement(p, nth: k - 1) }
            }
            kept.withUnsafeMutableBufferPointer { k in
                for j in positions { k[Int(p[j] & 0xFFFF_FFFF)] = true }
            }
        }
        kept.withUnsafeBufferPointer { k in
            for i in 0..<n where !k[i] { v[i] = 0 }
        }
    }

    /// Packs `key << 32 | index`, inverting keys for a descending sort.
    @inline(never)
    static func pack(_ v: UnsafeBufferPointer<Float>, descending: Bool, into p: UnsafeMutableBufferPointer<UInt64>) {
        let flip: UInt32 = descending ? 0xFFFF_FFFF : 0
        for i in 0..<v.count { p[i] = UInt64(normalizedKey(v[i]) ^ flip) << 32 | UInt64(i) }
    }
}
