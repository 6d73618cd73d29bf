/// The combining step of the task-arithmetic family: weighted task vectors summed,
/// with or without TIES sign consensus, then optionally normalised by the weight
/// that contributed at each position.
public enum DeltaCombination {
    /// Result of combining: the mixed delta and the divisor normalisation would use.
    public struct Mixed {
        /// Σ of the (agreeing) weighted deltas, per position.
        public var delta: [Float]
        /// Per-position divisor (sign consensus) — or one value for the whole tensor.
        public var divisor: [Float]
    }

    /// TIES "sum" consensus over weighted deltas `W_i = w_i·δ_i`: the elected sign at
    /// each position is the sign of `Σ W_i` (a zero sum elects +); an entry agrees when
    /// its sign equals the elected one (zeros never agree). Returns `Σ W_i·agree_i`
    /// and `Σ w_i·agree_i` (0 replaced by 1), each rounded to `precision`.
    public static func signConsensus(_ weighted: [[Float]], weights: [Float], precision: WorkingPrecision) -> Mixed {
        let n = weighted[0].count
        var total = [Float](repeating: 0, count: n)
        for w in weighted { accumulate(w, into: &total) }
        var mixed = [Float](repeating: 0, count: n)
        var divisor = [Float](repeating: 0, count: n)
        for (i, w) in weighted.enumerated() {
            accumulateAgreeing(w, weight: weights[i], elected: total, into: &mixed, &divisor)
        }
        precision.round(&mixed)
        precision.round(&divisor)
        replaceZeros(&divisor)
        return Mixed(delta: mixed, divisor: divisor)
    }

    /// Plain sum `Σ W_i`, with the scalar divisor `Σ w_i` (1 when |Σ w_i| < 1e-8).
    public static func sum(_ weighted: [[Float]], weights: [Float], precision: WorkingPrecision) -> Mixed {
        var mixed = [Float](repeating: 0, count: weighted[0].count)
        for w in weighted { accumulate(w, into: &mixed) }
        precision.round(&mixed)
        var z = precision.round(weights.reduce(Float(0), +))
        if abs(z) < 1e-8 { z = 1 }
        return Mixed(delta: mixed, divisor: [z])
    }

    @inline(never) static func accumulate(_ x: [Float], into acc: inout [Float]) {
        x.withUnsafeBufferPointer { x in
            acc.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] += x[i] }
            }
        }
    }

    @inline(never) static func accumulateAgreeing(_ x: [Float], weight: Float, elected: [Float],
                                                  into mixed: inout [Float], _ divisor: inout [Float]) {
        x.withUnsafeBufferPointer { x in
            elected.withUnsafeBufferPointer { s in
                mixed.withUnsafeMutableBufferPointer { m in
                    divisor.withUnsafeMutableBufferPointer { d in
                        for i in 0..<m.count {
                            let agree = (x[i] > 0 && s[i] >= 0) || (x[i] < 0 && s[i] < 0)
                            m[i] += agree ? x[i] : 0
                            d[i] += agree ? weight : 0
                        }
                    }
                }
            }
        }
    }

    @inline(never) static func replaceZeros(_ d: inout [Float]) {
        d.withUnsafeMutableBufferPointer { d in
            for i in 0..<d.count where d[i] == 0 { d[i] = 1 }
        }
    }
}
