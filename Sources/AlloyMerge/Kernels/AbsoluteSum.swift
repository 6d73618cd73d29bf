/// Σ|x| over a tensor fed in blocks, identical to the last bit however the tensor
/// is cut: element `g` (flattened index) goes to Double accumulator `g mod 8`, and
/// the eight are added in a fixed order at the end. (The eight independent
/// accumulators also let the loop run without waiting on one long addition chain.)
struct AbsoluteSum: Sendable {
    private var lanes = [Double](repeating: 0, count: 8)

    /// Adds the elements `v`, the first of which has flattened index `offset`.
    mutating func add(_ v: UnsafeBufferPointer<Float>, offset: Int) {
        guard v.count > 0 else { return }
        lanes.withUnsafeMutableBufferPointer { Self.accumulate(v.baseAddress!, v.count, lane: offset & 7, $0.baseAddress!) }
    }

    var total: Double { ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])) }

    @inline(never) static func accumulate(_ p: UnsafePointer<Float>, _ n: Int, lane first: Int, _ l: UnsafeMutablePointer<Double>) {
        var i = 0
        var lane = first
        while lane != 0 && i < n {
            l[lane] += Double(abs(p[i]))
            lane = (lane + 1) & 7
            i += 1
        }
        var a0 = l[0], a1 = l[1], a2 = l[2], a3 = l[3], a4 = l[4], a5 = l[5], a6 = l[6], a7 = l[7]
        while i + 8 <= n {
            a0 += Double(abs(p[i])); a1 += Double(abs(p[i + 1]))
            a2 += Double(abs(p[i + 2])); a3 += Double(abs(p[i + 3]))
            a4 += Double(abs(p[i + 4])); a5 += Double(abs(p[i + 5]))
            a6 += Double(abs(p[i + 6])); a7 += Double(abs(p[i + 7]))
            i += 8
        }
        l[0] = a0; l[1] = a1; l[2] = a2; l[3] = a3; l[4] = a4; l[5] = a5; l[6] = a6; l[7] = a7
        while i < n {
            l[lane] += Double(abs(p[i]))
            lane = (lane + 1) & 7
            i += 1
        }
    }
}
