/// Keeping the `k` entries of largest magnitude (PEFT's `prune(..., "magnitude")`).
///
/// The threshold is found by a radix select on the bit patterns of `|x|` (two passes
/// of 16-bit histograms, no sort). Entries tied at the threshold are kept in index
/// order, lowest index first — a deterministic stand-in for `torch.topk`'s unspecified order.
public enum MagnitudeSelection {
    /// Zeroes every entry of `values` but the `k` of largest magnitude.
    public static func keepLargest(_ values: inout [Float], k: Int) {
        let n = values.count
        if k >= n { return }
        if k <= 0 {
            for i in 0..<n { values[i] = 0 }
            return
        }
        values.withUnsafeMutableBufferPointer { keepLargest($0, k: k) }
    }

    @inline(never)
    static func keepLargest(_ v: UnsafeMutableBufferPointer<Float>, k: Int) {
        let n = v.count
        @inline(__always) func key(_ x: Float) -> UInt32 { x.bitPattern & 0x7FFF_FFFF }
        var hist = [Int](repeating: 0, count: 65536)
        for i in 0..<n { hist[Int(key(v[i]) >> 16)] += 1 }
        var above = 0
        var high = 65535
        while high > 0 && above + hist[high] < k { above += hist[high]; high -= 1 }
        for i in 0..<65536 { hist[i] = 0 }
        let h = UInt32(high)
        for i in 0..<n where key(v[i]) >> 16 == h { hist[Int(key(v[i]) & 0xFFFF)] += 1 }
        var low = 65535
        while low > 0 && above + hist[low] < k { above += hist[low]; low -= 1 }
        let threshold = h << 16 | UInt32(low)
        var tiesToKeep = k - above
        for i in 0..<n {
            let kk = key(v[i])
            if kk > threshold { continue }
            if kk == threshold && tiesToKeep > 0 { tiesToKeep -= 1; continue }
            v[i] = 0
        }
    }
}
