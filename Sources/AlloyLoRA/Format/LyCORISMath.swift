import AlloyFormat
/// The products LoHa and LoKr build their deltas from, as PEFT (after LyCORIS) computes them.
public enum LyCORISMath {
    /// The CP rebuild `out[p, r, k…] = Σ_i Σ_j t[i, j, k…]·a[i, p]·b[j, r]` (PEFT's
    /// `einsum("i j k l, j r, i p -> p r k l", t, b, a)`), for `t` of shape `(R1, R2, k…)`,
    /// `a` `(R1, P)` and `b` `(R2, Q)`.
    public static func cpRebuild(_ t: Tensor, a: Tensor, b: Tensor) -> Tensor {
        let (r1, r2) = (t.shape[0], t.shape[1]), kk = t.shape.dropFirst(2).reduce(1, *)
        let (p, q) = (a.shape[1], b.shape[1])
        var out = [Float](repeating: 0, count: p * q * kk)
        // First contract j: u[i, r, k] = Σ_j t[i, j, k]·b[j, r]; then i: out[p, r, k] = Σ_i a[i, p]·u[i, r, k].
        var u = [Float](repeating: 0, count: r1 * q * kk)
        for i in 0..<r1 {
            for j in 0..<r2 {
                for r in 0..<q {
                    let bj = b.values[j * q + r]
                    for k in 0..<kk { u[(i * q + r) * kk + k] += t.values[(i * r2 + j) * kk + k] * bj }
                }
            }
        }
        for i in 0..<r1 {
            for pp in 0..<p {
                let ai = a.values[i * p + pp]
                for rk in 0..<(q * kk) { out[pp * q * kk + rk] += ai * u[i * q * kk + rk] }
            }
        }
        return Tensor(shape: [p, q] + t.shape.dropFirst(2), values: out)
    }
}

/// The Kronecker product of two tensors, as PEFT's `make_kron` forms it.
public enum Kronecker {
    /// Both shapes at the same rank: a 2-D first factor meeting a 4-D second one gets two
    /// trailing 1s (PEFT unsqueezes it for convs); otherwise the shorter shape gets leading
    /// 1s (`torch.kron`'s rule).
    public static func alignedShapes(_ a: [Int], _ b: [Int]) -> ([Int], [Int]) {
        if a.count == 2 && b.count == 4 { return (a + [1, 1], b) }
        let n = max(a.count, b.count)
        return (Array(repeating: 1, count: n - a.count) + a, Array(repeating: 1, count: n - b.count) + b)
    }

    /// `kron(a, b)`: shape `a.shape[d]·b.shape[d]` per axis, entry at index `i·|b| + j`
    /// (per axis) is `a[i]·b[j]`.
    public static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (sa, sb) = alignedShapes(a.shape, b.shape)
        let n = sa.count
        let shape = zip(sa, sb).map { $0 * $1 }
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        func strides(_ s: [Int]) -> [Int] {
            var st = [Int](repeating: 1, count: s.count)
            for d in stride(from: s.count - 2, through: 0, by: -1) { st[d] = st[d + 1] * s[d + 1] }
            return st
        }
        let (ta, tb, to) = (strides(sa), strides(sb), strides(shape))
        var ia = [Int](repeating: 0, count: n)
        for x in 0..<a.values.count {
            var rem = x
            for d in 0..<n { ia[d] = rem / ta[d]; rem %= ta[d] }
            let av = a.values[x]
            for y in 0..<b.values.count {
                var remb = y, o = 0
                for d in 0..<n {
                    let jb = remb / tb[d]
                    remb %= tb[d]
                    o += (ia[d] * sb[d] + jb) * to[d]
                }
                out[o] = av * b.values[y]
            }
        }
        return Tensor(shape: shape, values: out)
    }
}
