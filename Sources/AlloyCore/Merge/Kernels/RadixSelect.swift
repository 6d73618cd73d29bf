/// Order statistics of magnitudes by radix select on Float bit patterns: two
/// passes of 16-bit histograms over `|x|`'s bits (whose unsigned order is the
/// numeric order of non-negative floats), with no sort and no copy.
public enum RadixSelect {
    /// The bit pattern of `|x|`, an order-preserving key (NaN sorts above +inf).
    @inline(__always) public static func magnitudeKey(_ x: Float) -> UInt32 { x.bitPattern & 0x7FFF_FFFF }

    /// The magnitude key of the element with ascending rank `rank` (0-based) among `|values|`.
    /// - Precondition: `0 <= rank < values.count`.
    @inline(never)
    public static func magnitudeKey(ofRank rank: Int, in values: UnsafeBufferPointer<Float>) -> UInt32 {
        precondition(rank >= 0 && rank < values.count, "radix select: rank out of range")
        var histogram = [Int](repeating: 0, count: 1 << 16)
        let high: UInt32 = histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<values.count { h[Int(magnitudeKey(values[i]) >> 16)] += 1 }
            return bucket(containing: rank, in: h).bucket
        }
        let below = histogram.withUnsafeBufferPointer { h in (0..<Int(high)).reduce(0) { $0 + h[$1] } }
        for i in 0..<histogram.count { histogram[i] = 0 }
        let low: UInt32 = histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<values.count {
                let key = magnitudeKey(values[i])
                if key >> 16 == high { h[Int(key & 0xFFFF)] += 1 }
            }
            return bucket(containing: rank - below, in: h).bucket
        }
        return high << 16 | low
    }

    /// The histogram bucket that holds the element of the given rank.
    private static func bucket(containing rank: Int, in h: UnsafeMutableBufferPointer<Int>) -> (bucket: UInt32, below: Int) {
        var seen = 0
        for b in 0..<h.count {
            if seen + h[b] > rank { return (UInt32(b), seen) }
            seen += h[b]
        }
        return (UInt32(h.count - 1), seen)
    }
}
