/// Order statistics by radix select on Float bit patterns: two passes of 16-bit
/// histograms over order-preserving keys, with no sort and no copy.
public enum RadixSelect {
    /// What is being ranked.
    public enum Ordering: Sendable {
        /// `|x|` (the bit pattern without the sign; NaN above +inf).
        case magnitude
        /// `x` itself (negative values below positive ones).
        case value
    }

    /// The bit pattern of `|x|`, an order-preserving key (NaN sorts above +inf).
    @inline(__always) public static func magnitudeKey(_ x: Float) -> UInt32 { x.bitPattern & 0x7FFF_FFFF }

    /// An unsigned key whose order is the numeric order of `x`.
    @inline(__always) public static func valueKey(_ x: Float) -> UInt32 {
        let b = x.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    /// The float with the given `valueKey`.
    @inline(__always) public static func value(ofKey k: UInt32) -> Float {
        Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
    }

    @inline(__always) static func key(_ x: Float, _ ordering: Ordering) -> UInt32 {
        ordering == .magnitude ? magnitudeKey(x) : valueKey(x)
    }

    /// The magnitude key of the element with ascending rank `rank` (0-based) among `|values|`.
    /// - Precondition: `0 <= rank < values.count`.
    public static func magnitudeKey(ofRank rank: Int, in values: UnsafeBufferPointer<Float>) -> UInt32 {
        key(ofRank: rank, in: values, ordering: .magnitude)
    }

    /// The element with ascending rank `rank` (0-based) by value.
    public static func value(ofRank rank: Int, in values: UnsafeBufferPointer<Float>) -> Float {
        value(ofKey: key(ofRank: rank, in: values, ordering: .value))
    }

    /// The key (in `ordering`) of the element with ascending rank `rank`.
    @inline(never)
    public static func key(ofRank rank: Int, in values: UnsafeBufferPointer<Float>, ordering: Ordering) -> UInt32 {
        precondition(rank >= 0 && rank < values.count, "radix select: rank out of range")
        var histogram = [Int](repeating: 0, count: 1 << 16)
        let (high, below) = histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<values.count { h[Int(key(values[i], ordering) >> 16)] += 1 }
            return bucket(containing: rank, in: h)
        }
        for i in 0..<histogram.count { histogram[i] = 0 }
        let low = histogram.withUnsafeMutableBufferPointer { h in
            for i in 0..<values.count {
                let k = key(values[i], ordering)
                if k >> 16 == high { h[Int(k & 0xFFFF)] += 1 }
            }
            return bucket(containing: rank - below, in: h).bucket
        }
        return high << 16 | low
    }

    /// The histogram bucket that holds the element of the given rank, and how many lie below it.
    private static func bucket(containing rank: Int, in h: UnsafeMutableBufferPointer<Int>) -> (bucket: UInt32, below: Int) {
        var seen = 0
        for b in 0..<h.count {
            if seen + h[b] > rank { return (UInt32(b), seen) }
            seen += h[b]
        }
        return (UInt32(h.count - 1), seen)
    }
}
