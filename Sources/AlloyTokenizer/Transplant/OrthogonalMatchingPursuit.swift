import AlloyFormat
import AlloyMath
/// Batched orthogonal matching pursuit: for each target vector, `k` atoms chosen
/// greedily (largest |⟨residual, atom⟩|, atoms not normalized) and the least-squares
/// coefficients on them, kept through an incremental QR (classical Gram–Schmidt,
/// re-orthogonalized by a full QR every 256 atoms), as mergekit's `batch_omp` does.
/// An atom already in the span of the chosen ones gets coefficient 0.
public enum OrthogonalMatchingPursuit {
    /// The selection for a batch of targets: `indices[b*k + j]` is target b's j-th atom
    /// and `coefficients[b*k + j]` its weight.
    public struct Selection: Sendable {
        public let k: Int
        public let indices: [Int]
        public let coefficients: [Float]
    }

    /// Runs OMP for every row of `targets` over the rows of `atoms` (same width).
    public static func select(targets: EmbeddingMatrix, atoms: EmbeddingMatrix, k: Int, eps: Float = 1e-8,
                              reorthogonalizeEvery: Int = 256, threads: Int = Parallel.defaultThreads) throws -> Selection {
        let b = targets.rows, d = targets.cols, n = atoms.rows
        precondition(atoms.cols == d, "OMP: targets have \(d) columns, atoms \(atoms.cols)")
        guard k <= n else {
            throw AlloyError(.config, code: "k_too_large", "-k \(k) is more than the \(n) tokens both vocabularies share",
                             hint: "use -k \(n) or less")
        }
        var q = [Float](repeating: 0, count: b * k * d)   // per target: k basis vectors of length d
        var r = [Float](repeating: 0, count: b * k * k)   // per target: upper-triangular k × k
        var indices = [Int](repeating: 0, count: b * k)
        var residuals = targets.values
        guard k > 0, b > 0 else { return Selection(k: k, indices: indices, coefficients: []) }

        let y = targets.values, p = atoms.values
        for t in 0..<k {
            let scores = Linalg.matmul(residuals, rows: b, cols: d, p, rows: n, cols: d, transposeB: true)
            try withPointers(&q, &r, &indices, &residuals) { q, r, chosenAll, res in
                try withPointers(scores, y, p) { sc, y, p in
                    let box = UncheckedSendable((q, r, chosenAll, res, sc, y, p))
                    try Parallel.forEach(b, threads: threads) { row in
                        let (q, r, chosenAll, res, sc, y, p) = box.value
                        let chosen = chosenAll + row * k
                        let pick = argmaxAbsExcluding(sc + row * n, n, chosen, t)
                        chosen[t] = pick
                        let qRow = q + row * k * d, rRow = r + row * k * k
                        appendAtom(p + pick * d, d, qRow, rRow, k, t, eps)
                        if t > 0, t % reorthogonalizeEvery == 0 {
                            try reorthogonalize(qRow, rRow, d, k, t + 1)
                        }
                        projectOut(y + row * d, qRow, t + 1, d, res + row * d)
                    }
                }
            }
        }
        // Coefficients: R c = Qᵀ y.
        var coefficients = [Float](repeating: 0, count: b * k)
        for row in 0..<b {
            var rhs = [Float](repeating: 0, count: k)
            targets.values.withUnsafeBufferPointer { y in
                q.withUnsafeBufferPointer { qp in
                    for j in 0..<k { rhs[j] = dotProduct(qp.baseAddress! + (row * k + j) * d, y.baseAddress! + row * d, d) }
                }
            }
            LeastSquares.solveUpperTriangular(Array(r[(row * k * k)..<((row + 1) * k * k)]), k, &rhs)
            for j in 0..<k { coefficients[row * k + j] = rhs[j] }
        }
        return Selection(k: k, indices: indices, coefficients: coefficients)
    }

    /// The index of the largest |score| among those not yet chosen (the first on a tie).
    @inline(never)
    static func argmaxAbsExcluding(_ scores: UnsafePointer<Float>, _ n: Int, _ chosen: UnsafePointer<Int>, _ count: Int) -> Int {
        var best = -1
        var bestValue = -Float.infinity
        for i in 0..<n {
            let v = abs(scores[i])
            if v > bestValue || best < 0 {
                var taken = false
                for j in 0..<count where chosen[j] == i { taken = true; break }
                if !taken { best = i; bestValue = v }
            }
        }
        return best
    }

    /// Gram–Schmidt step: orthogonalizes `atom` against the first `t` basis vectors,
    /// stores it as vector `t` and fills column `t` of R.
    @inline(never)
    static func appendAtom(_ atom: UnsafePointer<Float>, _ d: Int, _ q: UnsafeMutablePointer<Float>,
                           _ r: UnsafeMutablePointer<Float>, _ k: Int, _ t: Int, _ eps: Float) {
        let v = q + t * d
        for i in 0..<d { v[i] = atom[i] }
        // Classical Gram–Schmidt: all projections from the original atom.
        var projections = [Float](repeating: 0, count: t)
        for j in 0..<t { projections[j] = dotProduct(q + j * d, atom, d) }
        for j in 0..<t {
            addScaled(v, -projections[j], q + j * d, d)
            r[j * k + t] = projections[j]
        }
        let atomNorm = dotProduct(atom, atom, d).squareRoot()
        let norm = dotProduct(v, v, d).squareRoot()
        if t > 0, norm <= 1e-5 * atomNorm {
            // The atom lies in the span of those already chosen (possible once k reaches the
            // rank of the atoms): it adds no direction and gets coefficient 0, where a plain
            // Gram–Schmidt step would divide rounding noise by eps.
            for i in 0..<d { v[i] = 0 }
            r[t * k + t] = 1
            return
        }
        // mergekit keeps the unclamped norm on R's diagonal for the first atom.
        r[t * k + t] = t == 0 ? atomNorm : max(norm, eps)
        let inv = 1 / max(norm, eps)
        for i in 0..<d { v[i] *= inv }
    }

    /// Replaces the first `m` basis vectors by a fresh QR of them and folds its R into R.
    static func reorthogonalize(_ q: UnsafeMutablePointer<Float>, _ r: UnsafeMutablePointer<Float>, _ d: Int, _ k: Int, _ m: Int) throws {
        // Basis vectors are rows of q; LAPACK wants them as columns of a d × m matrix.
        var columns = [Float](repeating: 0, count: d * m)
        for j in 0..<m { for i in 0..<d { columns[i * m + j] = q[j * d + i] } }
        let (qNew, rNew) = try LeastSquares.qr(columns, rows: d, cols: m)
        for j in 0..<m { for i in 0..<d { q[j * d + i] = qNew[i * m + j] } }
        var folded = [Float](repeating: 0, count: m * m)
        for i in 0..<m { for j in i..<m {
            var s: Float = 0
            for l in i...j { s += rNew[i * m + l] * r[l * k + j] }
            folded[i * m + j] = s
        } }
        for i in 0..<m { for j in 0..<m { r[i * k + j] = folded[i * m + j] } }
    }

    /// `residual = y − Q Qᵀ y` over the first `m` basis vectors.
    @inline(never)
    static func projectOut(_ y: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ m: Int, _ d: Int,
                           _ residual: UnsafeMutablePointer<Float>) {
        for i in 0..<d { residual[i] = y[i] }
        for j in 0..<m {
            let c = dotProduct(q + j * d, y, d)
            addScaled(residual, -c, q + j * d, d)
        }
    }
}

extension OrthogonalMatchingPursuit.Selection {
    /// `Σ_j c_j · rows[indices_j]` for every target: the selection applied to another
    /// space whose rows correspond one to one with the atoms.
    public func combine(_ rows: EmbeddingMatrix) -> EmbeddingMatrix {
        combine(rows, mapping: nil)
    }

    /// As `combine(_:)`, where atom `i` is row `mapping[i]` of `rows` (so the atoms'
    /// rows need not be gathered into a matrix of their own).
    public func combine(_ rows: EmbeddingMatrix, mapping: [Int]?) -> EmbeddingMatrix {
        let b = k == 0 ? 0 : indices.count / k
        var out = EmbeddingMatrix(zeros: b, rows.cols)
        let cols = rows.cols
        out.values.withUnsafeMutableBufferPointer { dst in
            rows.values.withUnsafeBufferPointer { src in
                for t in 0..<b {
                    for j in 0..<k {
                        addScaled(dst.baseAddress! + t * cols, coefficients[t * k + j], src.baseAddress! + (mapping?[indices[t * k + j]] ?? indices[t * k + j]) * cols, cols)
                    }
                }
            }
        }
        return out
    }
}

/// Runs `body` with base pointers of four mutable arrays.
func withPointers<A, B, C, D, R>(_ a: inout [A], _ b: inout [B], _ c: inout [C], _ d: inout [D],
                                 _ body: (UnsafeMutablePointer<A>, UnsafeMutablePointer<B>, UnsafeMutablePointer<C>, UnsafeMutablePointer<D>) throws -> R) rethrows -> R {
    try a.withUnsafeMutableBufferPointer { a in
        try b.withUnsafeMutableBufferPointer { b in
            try c.withUnsafeMutableBufferPointer { c in
                try d.withUnsafeMutableBufferPointer { d in
                    try body(a.baseAddress!, b.baseAddress!, c.baseAddress!, d.baseAddress!)
                }
            }
        }
    }
}

/// Runs `body` with base pointers of three arrays.
func withPointers<A, B, C, R>(_ a: [A], _ b: [B], _ c: [C],
                              _ body: (UnsafePointer<A>, UnsafePointer<B>, UnsafePointer<C>) throws -> R) rethrows -> R {
    try a.withUnsafeBufferPointer { a in
        try b.withUnsafeBufferPointer { b in
            try c.withUnsafeBufferPointer { c in try body(a.baseAddress!, b.baseAddress!, c.baseAddress!) }
        }
    }
}

/// Runs `body` with base pointers of three mutable arrays.
func withPointers<A, B, C, R>(_ a: inout [A], _ b: inout [B], _ c: inout [C],
                              _ body: (UnsafeMutablePointer<A>, UnsafeMutablePointer<B>, UnsafeMutablePointer<C>) throws -> R) rethrows -> R {
    try a.withUnsafeMutableBufferPointer { a in
        try b.withUnsafeMutableBufferPointer { b in
            try c.withUnsafeMutableBufferPointer { c in try body(a.baseAddress!, b.baseAddress!, c.baseAddress!) }
        }
    }
}
