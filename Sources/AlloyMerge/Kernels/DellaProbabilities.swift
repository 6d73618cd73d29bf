import AlloyMath
/// DELLA's keep probabilities: within each row, entries are ranked by magnitude
/// (rank 1 = smallest) and get `p = (density − ε) + 2ε·(rank − 1)/(n − 1)`.
///
/// Rows run along axis 1 (for a matrix, `W[i, :]`; for a 3-D tensor, the middle
/// axis for each outer/inner index pair); a 1-D tensor is one row. A row of
/// length 1 gets `p = density` (mergekit divides by zero there and produces NaN).
/// Equal magnitudes are ranked by position.
public enum DellaProbabilities {
    public static func compute(_ values: UnsafeBufferPointer<Float>, shape: [Int], density: Double, epsilon: Double) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        out.withUnsafeMutableBufferPointer { compute(values, shape: shape, density: density, epsilon: epsilon, into: $0) }
        return out
    }

    /// Writes the keep probabilities of `values` (of `shape`) into `out` (as many elements).
    public static func compute(_ values: UnsafeBufferPointer<Float>, shape: [Int], density: Double, epsilon: Double,
                               into out: UnsafeMutableBufferPointer<Float>) {
        let n = values.count
        for i in 0..<n { out[i] = Float(density) }
        let outer: Int, length: Int, stride: Int
        if shape.count < 2 {
            (outer, length, stride) = (1, n, 1)
        } else {
            outer = shape[0]
            length = shape[1]
            stride = shape.dropFirst(2).reduce(1, *)
        }
        guard length > 1, n > 0 else { return }
        var keys = [UInt64](repeating: 0, count: length)
        let lowest = density - epsilon, span = 2 * epsilon / Double(length - 1)
        keys.withUnsafeMutableBufferPointer { k in
            for o in 0..<outer {
                for s in 0..<stride {
                    let start = o * length * stride + s
                    rankRow(values, start: start, length: length, stride: stride, k,
                            lowest: lowest, span: span, into: out)
                }
            }
        }
    }

    /// Sorts (magnitude key, position) pairs of one row and writes each entry's probability.
    @inline(never)
    static func rankRow(_ v: UnsafeBufferPointer<Float>, start: Int, length: Int, stride: Int,
                        _ keyBuffer: UnsafeMutableBufferPointer<UInt64>, lowest: Double, span: Double,
                        into p: UnsafeMutableBufferPointer<Float>) {
        var keys = keyBuffer
        for j in 0..<length {
            keys[j] = UInt64(RadixSelect.magnitudeKey(v[start + j * stride])) << 32 | UInt64(j)
        }
        keys.sort()
        for r in 0..<length {
            let j = Int(keys[r] & 0xFFFF_FFFF)
            p[start + j * stride] = Float(lowest + span * Double(r))
        }
    }
}
