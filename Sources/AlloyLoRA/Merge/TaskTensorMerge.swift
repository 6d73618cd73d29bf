import AlloyMath
/// PEFT's `merge_utils` functions: combining same-shaped tensors `T_i` with weights `w_i`
/// by task arithmetic, magnitude pruning, TIES or DARE, in `Float`.
public enum TaskTensorMerge {
    /// The combining function.
    public enum Method: String, Sendable {
        case taskArithmetic = "task_arithmetic", magnitudePrune = "magnitude_prune", ties
        case dareLinear = "dare_linear", dareTies = "dare_ties"
    }

    /// How TIES elects each entry's sign.
    public enum MajoritySign: String, Sendable, CaseIterable {
        /// The sign of the sum of the values.
        case total
        /// The sign held by more tensors.
        case frequency
    }

    /// Combines `tensors` (equal lengths) with `weights`.
    ///
    /// - Parameters:
    ///   - density: fraction kept by pruning (`≥ 1` keeps everything and skips DARE's rescale, as PEFT does).
    ///   - rng: the Bernoulli source for DARE, drawn element by element, tensor by tensor.
    public static func merge(_ tensors: [[Float]], weights: [Float], method: Method, density: Double,
                             majoritySign: MajoritySign, rng: inout SeededRandom) -> [Float] {
        precondition(tensors.count == weights.count && !tensors.isEmpty)
        var pruned = tensors
        switch method {
        case .taskArithmetic:
            break
        case .magnitudePrune, .ties:
            if density < 1 {
                for i in pruned.indices {
                    MagnitudeSelection.keepLargest(&pruned[i], k: Int(density * Double(pruned[i].count)))
                }
            }
        case .dareLinear, .dareTies:
            if density < 1 {
                for i in pruned.indices { dropRandomly(&pruned[i], density: density, rng: &rng) }
            }
        }
        switch method {
        case .taskArithmetic, .magnitudePrune, .dareLinear:
            return weightedSum(pruned, weights)
        case .ties, .dareTies:
            return disjointMerge(pruned, weights, majoritySign)
        }
    }

    /// DARE: keeps each entry with probability `density` and divides the kept ones by it
    /// (at density 0 everything is dropped; PEFT would produce NaN from 0/0).
    static func dropRandomly(_ v: inout [Float], density: Double, rng: inout SeededRandom) {
        let p = Float(density)
        let scale: Float = density > 0 ? 1 / p : 0
        for i in v.indices {
            v[i] = rng.nextUnitFloat() < p ? v[i] * scale : 0
        }
    }

    /// `Σ_i w_i T_i`.
    static func weightedSum(_ ts: [[Float]], _ w: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: ts[0].count)
        out.withUnsafeMutableBufferPointer { o in
            for (t, wi) in zip(ts, w) { t.withUnsafeBufferPointer { accumulate(o, $0, wi) } }
        }
        return out
    }

    @inline(never)
    static func accumulate(_ o: UnsafeMutableBufferPointer<Float>, _ t: UnsafeBufferPointer<Float>, _ w: Float) {
        for i in 0..<o.count { o[i] += t[i] * w }
    }

    /// Sign election on the unweighted `P_i`, then the mean of the agreeing `w_i P_i`
    /// (entries with no agreeing contributor become 0).
    static func disjointMerge(_ ps: [[Float]], _ w: [Float], _ method: MajoritySign) -> [Float] {
        var out = [Float](repeating: 0, count: ps[0].count)
        withBuffers(ps, from: 0, []) { pointers in
            out.withUnsafeMutableBufferPointer { o in disjointKernel(o, pointers, w, method == .total) }
        }
        return out
    }

    /// Calls `body` with buffer pointers to every array (nested `withUnsafeBufferPointer`s).
    static func withBuffers(_ arrays: [[Float]], from i: Int, _ acc: [UnsafeBufferPointer<Float>],
                            _ body: ([UnsafeBufferPointer<Float>]) -> Void) {
        if i == arrays.count { return body(acc) }
        arrays[i].withUnsafeBufferPointer { withBuffers(arrays, from: i + 1, acc + [$0], body) }
    }

    @inline(never)
    static func disjointKernel(_ o: UnsafeMutableBufferPointer<Float>, _ ps: [UnsafeBufferPointer<Float>], _ w: [Float], _ total: Bool) {
        let k = ps.count
        for j in 0..<o.count {
            var g: Float = 0
            for i in 0..<k {
                let x = ps[i][j]
                g += total ? x : (x > 0 ? 1 : (x < 0 ? -1 : 0))
            }
            let positive = g >= 0
            var sum: Float = 0
            var count: Float = 0
            for i in 0..<k {
                let x = ps[i][j]
                if (positive && x > 0) || (!positive && x < 0) {
                    sum += x * w[i]
                    count += 1
                }
            }
            o[j] = sum / max(count, 1)
        }
    }
}
