/// The leading `k` singular triplets of a matrix, by a full `sgesdd` or by a randomized
/// range finder (Gaussian test matrix; power iterations or a block Krylov space,
/// re-orthonormalised by QR; then a small exact SVD), whichever is accurate and cheap
/// enough for the shape.
public struct TruncatedSVD: Sendable {
    /// `m × k`, row-major, orthonormal columns.
    public var u: [Float]
    /// `k` singular values, descending.
    public var s: [Float]
    /// `k × n`, row-major, orthonormal rows.
    public var vt: [Float]
    public var rows: Int
    public var cols: Int
    /// True when the randomized path was taken.
    public var randomized: Bool

    public var rank: Int { s.count }

    /// How to compute it.
    public enum Strategy: Sendable, Equatable {
        /// Full thin `sgesdd`, then truncation: exact.
        case full
        /// Range finder with `oversampling` extra columns and `powerIterations` passes.
        case randomized(oversampling: Int, powerIterations: Int)
        /// Block Krylov (`iterations` passes) when `k + oversampling` is a small fraction of a
        /// large `min(m, n)`, full otherwise.
        case auto(oversampling: Int, iterations: Int)
        /// Block Krylov: the span of `A·Ω, (A·Aᵀ)·A·Ω, …` (`iterations` products, block width
        /// `k + oversampling`), then an exact SVD of the projection.
        case krylov(oversampling: Int, iterations: Int)
    }

    /// True when `.auto` would take the randomized path for this shape.
    public static func prefersRandomized(rows m: Int, cols n: Int, rank k: Int, oversampling p: Int) -> Bool {
        let small = min(m, n)
        return small >= 512 && (k + p) * 4 <= small
    }

    /// The leading `k` (clamped to `min(m, n)`) singular triplets of the row-major `m × n` matrix `a`.
    public static func compute(_ a: [Float], rows m: Int, cols n: Int, rank k: Int, strategy: Strategy,
                               rng: inout SeededRandom) throws -> TruncatedSVD {
        let k = max(0, min(k, min(m, n)))
        switch strategy {
        case .full:
            return try full(a, rows: m, cols: n, rank: k)
        case .randomized(let p, let q):
            return try randomized(a, rows: m, cols: n, rank: k, oversampling: p, powerIterations: q, rng: &rng)
        case .krylov(let p, let q):
            return try blockKrylov(a, rows: m, cols: n, rank: k, oversampling: p, iterations: q, rng: &rng)
        case .auto(let p, let q):
            if prefersRandomized(rows: m, cols: n, rank: k, oversampling: p) {
                return try blockKrylov(a, rows: m, cols: n, rank: k, oversampling: p, iterations: q, rng: &rng)
            }
            return try full(a, rows: m, cols: n, rank: k)
        }
    }

    static func full(_ a: [Float], rows m: Int, cols n: Int, rank k: Int) throws -> TruncatedSVD {
        let (u, s, vt) = try Linalg.svd(a, rows: m, cols: n)
        let full = min(m, n)
        return TruncatedSVD(u: leadingColumns(u, rows: m, cols: full, keep: k), s: Array(s.prefix(k)),
                            vt: Array(vt.prefix(k * n)), rows: m, cols: n, randomized: false)
    }

    static func randomized(_ a: [Float], rows m: Int, cols n: Int, rank k: Int, oversampling: Int, powerIterations: Int,
                           rng: inout SeededRandom) throws -> TruncatedSVD {
        let l = min(k + max(0, oversampling), min(m, n))
        guard l > 0 else { return TruncatedSVD(u: [], s: [], vt: [], rows: m, cols: n, randomized: true) }
        var omega = [Float](repeating: 0, count: n * l)
        for i in omega.indices { omega[i] = rng.nextGaussian() }
        // Y = A·Ω (m × l), Q = orth(Y); each power pass: Z = orth(Aᵀ·Q), Q = orth(A·Z).
        var q = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, omega, rows: n, cols: l), rows: m, cols: l)
        for _ in 0..<max(0, powerIterations) {
            let z = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, transposeA: true, q, rows: m, cols: l),
                                              rows: n, cols: l)
            q = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, z, rows: n, cols: l), rows: m, cols: l)
        }
        // B = Qᵀ·A (l × n) = Ub·S·Vt, U = Q·Ub.
        let b = Linalg.matmul(q, rows: m, cols: l, transposeA: true, a, rows: m, cols: n)
        let (ub, s, vt) = try Linalg.svd(b, rows: l, cols: n)
        let u = Linalg.matmul(q, rows: m, cols: l, leadingColumns(ub, rows: l, cols: l, keep: k), rows: l, cols: k)
        return TruncatedSVD(u: u, s: Array(s.prefix(k)), vt: Array(vt.prefix(k * n)), rows: m, cols: n, randomized: true)
    }

    static func blockKrylov(_ a: [Float], rows m: Int, cols n: Int, rank k: Int, oversampling: Int, iterations: Int,
                            rng: inout SeededRandom) throws -> TruncatedSVD {
        let b = min(k + max(0, oversampling), min(m, n))
        let blocks = max(1, min(iterations + 1, min(m, n) / max(b, 1)))
        let width = b * blocks
        guard b > 0 else { return TruncatedSVD(u: [], s: [], vt: [], rows: m, cols: n, randomized: true) }
        var omega = [Float](repeating: 0, count: n * b)
        for i in omega.indices { omega[i] = rng.nextGaussian() }
        // Krylov basis K = [Y_0 … Y_q] (m × width), Y_0 = orth(A·Ω), Y_j = orth(A·orth(Aᵀ·Y_{j-1})).
        var krylov = [Float](repeating: 0, count: m * width)
        var y = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, omega, rows: n, cols: b), rows: m, cols: b)
        for j in 0..<blocks {
            if j > 0 {
                let z = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, transposeA: true, y, rows: m, cols: b),
                                                  rows: n, cols: b)
                y = try Linalg.orthonormalize(Linalg.matmul(a, rows: m, cols: n, z, rows: n, cols: b), rows: m, cols: b)
            }
            for r in 0..<m { for c in 0..<b { krylov[r * width + j * b + c] = y[r * b + c] } }
        }
        let q = try Linalg.orthonormalize(krylov, rows: m, cols: width)
        let proj = Linalg.matmul(q, rows: m, cols: width, transposeA: true, a, rows: m, cols: n)   // width × n
        let (ub, s, vt) = try Linalg.svd(proj, rows: width, cols: n)
        let u = Linalg.matmul(q, rows: m, cols: width, leadingColumns(ub, rows: width, cols: width, keep: k), rows: width, cols: k)
        return TruncatedSVD(u: u, s: Array(s.prefix(k)), vt: Array(vt.prefix(k * n)), rows: m, cols: n, randomized: true)
    }

    /// The first `keep` columns of a row-major `rows × cols` matrix.
    static func leadingColumns(_ x: [Float], rows: Int, cols: Int, keep: Int) -> [Float] {
        if keep == cols { return x }
        var out = [Float](repeating: 0, count: rows * keep)
        for r in 0..<rows {
            for c in 0..<keep { out[r * keep + c] = x[r * cols + c] }
        }
        return out
    }

    /// Exact SVD of a product `B·A` (`B` is `m × r`, `A` is `r × n`, `r ≤ min(m, n)`) without
    /// forming it: QR of both factors, then the SVD of the small `r × r` core.
    public static func ofProduct(b: [Float], a: [Float], rows m: Int, inner r: Int, cols n: Int, rank k: Int) throws -> TruncatedSVD {
        precondition(r <= m && r <= n)
        let k = max(0, min(k, r))
        let qb = try Linalg.orthonormalize(b, rows: m, cols: r)                                   // m × r
        let rb = Linalg.matmul(qb, rows: m, cols: r, transposeA: true, b, rows: m, cols: r)         // r × r
        let at = transpose(a, rows: r, cols: n)                                                     // n × r
        let qa = try Linalg.orthonormalize(at, rows: n, cols: r)                                    // n × r
        let ra = Linalg.matmul(qa, rows: n, cols: r, transposeA: true, at, rows: n, cols: r)        // r × r
        let core = Linalg.matmul(rb, rows: r, cols: r, ra, rows: r, cols: r, transposeB: true)      // Rb·Raᵀ
        let (uc, s, vct) = try Linalg.svd(core, rows: r, cols: r)
        let u = Linalg.matmul(qb, rows: m, cols: r, leadingColumns(uc, rows: r, cols: r, keep: k), rows: r, cols: k)
        let vt = Linalg.matmul(Array(vct.prefix(k * r)), rows: k, cols: r, qa, rows: n, cols: r, transposeB: true)
        return TruncatedSVD(u: u, s: Array(s.prefix(k)), vt: vt, rows: m, cols: n, randomized: false)
    }

    /// The transpose of a row-major `rows × cols` matrix.
    public static func transpose(_ x: [Float], rows: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in transposeKernel(src, dst, rows, cols) }
        }
        return out
    }

    @inline(never)
    static func transposeKernel(_ s: UnsafeBufferPointer<Float>, _ d: UnsafeMutableBufferPointer<Float>, _ rows: Int, _ cols: Int) {
        let block = 32
        var r0 = 0
        while r0 < rows {
            var c0 = 0
            while c0 < cols {
                for r in r0..<min(r0 + block, rows) {
                    for c in c0..<min(c0 + block, cols) { d[c * rows + r] = s[r * cols + c] }
                }
                c0 += block
            }
            r0 += block
        }
    }
}
