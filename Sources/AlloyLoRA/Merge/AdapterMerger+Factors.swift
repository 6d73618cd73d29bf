import AlloyFormat
import AlloyMath
/// The per-module arithmetic of `AdapterMerger`: `cat`, the element-wise family on the
/// factors, and the SVD family on the full deltas.
extension AdapterMerger {
    /// The merged factors of module `path`: `A` (`r_new × in`) and `B` (`out × r_new`), flattened.
    public func merge(_ path: String) throws -> (a: [Float], b: [Float]) {
        let t = try template(path)
        let cs = contributors(path)
        let n = t.inFeatures, m = t.outFeatures, r = newRank
        var rng = SeededRandom(seed: options.seed, stream: path)
        if combination == .cat {
            var a = [Float](repeating: 0, count: r * n), b = [Float](repeating: 0, count: m * r)
            var row = 0
            for c in cs {
                let ai = try c.adapter.tensor(c.module.aName), bi = try c.adapter.tensor(c.module.bName)
                let k = c.module.rank
                let scale = Float(c.weight * c.module.scaling)
                for i in 0..<(k * n) { a[row * n + i] = ai.values[i] * scale }
                for o in 0..<m { for j in 0..<k { b[o * r + row + j] = bi.values[o * k + j] } }
                row += k
            }
            return (a, b)
        }
        let method = combination.taskMethod!
        let density = options.density ?? 1
        if !combination.usesSVD {
            var as_: [[Float]] = [], bs: [[Float]] = [], aw: [Float] = [], bw: [Float] = []
            for c in cs {
                guard c.module.rank == cs[0].module.rank else {
                    throw AlloyError(.mismatch, code: "rank_mismatch",
                                     "module \"\(path)\": rank \(c.module.rank) in \(c.adapter.location) but \(cs[0].module.rank) in \(cs[0].adapter.location); --method \(combination.rawValue) needs equal ranks",
                                     hint: "use --method cat or an svd method")
                }
                let prod = c.weight * c.module.scaling
                let root = abs(prod).squareRoot()
                as_.append(try c.adapter.tensor(c.module.aName).values)
                bs.append(try c.adapter.tensor(c.module.bName).values)
                aw.append(Float(prod < 0 ? -root : root))
                bw.append(Float(root))
            }
            let a = TaskTensorMerge.merge(as_, weights: aw, method: method, density: density, majoritySign: options.majoritySign, rng: &rng)
            let b = TaskTensorMerge.merge(bs, weights: bw, method: method, density: density, majoritySign: options.majoritySign, rng: &rng)
            let k = cs[0].module.rank
            return k == r ? (a, b) : (padRows(a, rows: k, cols: n, to: r), padColumns(b, rows: m, cols: k, to: r))
        }
        // SVD family: combine the full deltas scaling·B·A with the user weights, then truncate.
        let k = min(r, m, n)
        let svd: TruncatedSVD
        let totalRank = cs.reduce(0) { $0 + $1.module.rank }
        if method == .taskArithmetic && totalRank <= min(m, n) && options.svdClamp == nil {
            // Σ w_i s_i B_i A_i = [B_1 … B_n]·[w_1 s_1 A_1; …]: an exact SVD from the factors.
            var bcat = [Float](repeating: 0, count: m * totalRank), acat = [Float](repeating: 0, count: totalRank * n)
            var row = 0
            for c in cs {
                let ai = try c.adapter.tensor(c.module.aName), bi = try c.adapter.tensor(c.module.bName)
                let kk = c.module.rank
                let scale = Float(c.weight * c.module.scaling)
                for i in 0..<(kk * n) { acat[row * n + i] = ai.values[i] * scale }
                for o in 0..<m { for j in 0..<kk { bcat[o * totalRank + row + j] = bi.values[o * kk + j] } }
                row += kk
            }
            svd = try TruncatedSVD.ofProduct(b: bcat, a: acat, rows: m, inner: totalRank, cols: n, rank: k)
        } else {
            var deltas: [[Float]] = []
            for c in cs {
                let ai = try c.adapter.tensor(c.module.aName), bi = try c.adapter.tensor(c.module.bName)
                deltas.append(LoRADelta.product(c.module, a: ai, b: bi, scale: Float(c.module.scaling)))
            }
            let combined = TaskTensorMerge.merge(deltas, weights: cs.map { Float($0.weight) }, method: method, density: density,
                                                 majoritySign: options.majoritySign, rng: &rng)
            svd = try TruncatedSVD.compute(combined, rows: m, cols: n, rank: k, strategy: options.svdStrategy, rng: &rng)
        }
        let kk = svd.rank
        // Singular vectors are defined up to sign, and LAPACK builds pick signs differently.
        // Fix them (each left vector's largest entry positive) so the factors, and the
        // signed quantile `--svd-clamp` takes over them, do not depend on the BLAS library.
        let flips = AdapterMerger.signConvention(u: svd.u, rows: m, rank: kk)
        var b = [Float](repeating: 0, count: m * kk)
        for o in 0..<m { for j in 0..<kk { b[o * kk + j] = svd.u[o * kk + j] * svd.s[j] * flips[j] } }
        var a = svd.vt
        for j in 0..<kk where flips[j] < 0 { for i in (j * n)..<((j + 1) * n) { a[i] = -a[i] } }
        if let q = options.svdClamp {
            let h = AdapterMerger.quantile(b + a, q)
            for i in b.indices { b[i] = min(max(b[i], -h), h) }
            for i in a.indices { a[i] = min(max(a[i], -h), h) }
        }
        return kk == r ? (a, b) : (padRows(a, rows: kk, cols: n, to: r), padColumns(b, rows: m, cols: kk, to: r))
    }

    /// +1 or −1 per singular pair: the sign that makes the largest-magnitude entry of
    /// each column of the row-major `rows × rank` matrix `u` positive (first one on ties).
    static func signConvention(u: [Float], rows: Int, rank: Int) -> [Float] {
        (0..<rank).map { j in
            var best: Float = 0
            for o in 0..<rows where abs(u[o * rank + j]) > abs(best) { best = u[o * rank + j] }
            return best < 0 ? -1 : 1
        }
    }

    /// Linear-interpolation quantile (`torch.quantile`'s default).
    static func quantile(_ x: [Float], _ q: Double) -> Float {
        guard !x.isEmpty else { return 0 }
        let s = x.sorted()
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        let frac = Float(pos - Double(lo))
        return s[lo] + frac * (s[hi] - s[lo])
    }

    func padRows(_ x: [Float], rows: Int, cols: Int, to r: Int) -> [Float] {
        x + [Float](repeating: 0, count: (r - rows) * cols)
    }

    func padColumns(_ x: [Float], rows: Int, cols: Int, to r: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * r)
        for i in 0..<rows { for j in 0..<cols { out[i * r + j] = x[i * cols + j] } }
        return out
    }
}
