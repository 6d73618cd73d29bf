import AlloyMath
/// `stb` (sparse token basis): the principal axes of the shared tokens (in the
/// narrower of the two spaces) are each approximated by `k` shared tokens with
/// orthogonal matching pursuit; the same sparse combinations of the shared tokens'
/// rows give a basis in each space. A new token's centered donor row is expressed in
/// the donor basis by least squares, and the coefficients applied to the model basis
/// (plus the model's landmark mean) give its row.
///
/// mergekit 0.1.5 cannot run this method (it passes its options object where `k`
/// belongs). This implementation also centers consistently: the bases are built from
/// landmark rows centered by the landmark means, targets are centered by the donor
/// landmark mean, and the model landmark mean is added back (mergekit fits the sparse
/// combinations on centered rows but applies them to uncentered ones, and centers with
/// the means of the whole matrices).
struct SparseTokenBasis: TokenApproximator {
    let donor: EmbeddingMatrix
    let donorMean: [Float]
    let modelMean: [Float]
    /// `d_donor × d_model`: centered donor row → centered model row.
    let map: EmbeddingMatrix

    init(_ context: ApproximationContext) throws {
        let k = context.options.k
        try context.requireShared(atLeast: k, for: .sparseTokenBasis)
        donor = context.donor
        let a = context.sharedDonorRows(), b = context.sharedModelRows()
        donorMean = a.meanRow()
        modelMean = b.meanRow()
        let ac = a.subtractingFromRows(donorMean), bc = b.subtractingFromRows(modelMean)
        let source = a.cols < b.cols ? ac : bc
        let dimension = min(a.cols, b.cols, source.rows)
        let axes = try LandmarkPCA.principalAxes(source, dimension).transposed()  // dimension × d_source
        let selection = try OrthogonalMatchingPursuit.select(targets: axes, atoms: source, k: k, threads: context.options.threads)
        let donorBasis = selection.combine(ac)  // dimension × d_donor
        let modelBasis = selection.combine(bc)  // dimension × d_model
        // Coefficients c minimize |donorBasisᵀ c − y|: c = (donorBasisᵀ)⁺ y, so the row map is ((donorBasisᵀ)⁺)ᵀ · modelBasis.
        map = try SparseTokenBasis.pseudoInverseTransposed(donorBasis.transposed()).multiplied(by: modelBasis)
    }

    /// `(M⁺)ᵀ = U Σ⁺ Vᵀ` for `M = U Σ Vᵀ` (`m × n`, result `m × n`), dropping singular
    /// values below `max(m, n) · ε · σ_max` as LAPACK's least-squares drivers do.
    static func pseudoInverseTransposed(_ m: EmbeddingMatrix) throws -> EmbeddingMatrix {
        let (u, s, vt) = try Linalg.svd(m.values, rows: m.rows, cols: m.cols)
        let r = s.count
        let cutoff = (s.first ?? 0) * Float(max(m.rows, m.cols)) * Float.ulpOfOne
        var scaled = u  // m × r, column j scaled by 1/σ_j
        for i in 0..<m.rows { for j in 0..<r { scaled[i * r + j] *= s[j] > cutoff ? 1 / s[j] : 0 } }
        return EmbeddingMatrix(rows: m.rows, cols: r, values: scaled)
            .multiplied(by: EmbeddingMatrix(rows: r, cols: m.cols, values: vt))
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        var out = donor.gathering(targets).subtractingFromRows(donorMean).multiplied(by: map)
        out.values.withUnsafeMutableBufferPointer { v in
            modelMean.withUnsafeBufferPointer { m in
                for r in 0..<out.rows { addScaled(v.baseAddress! + r * out.cols, 1, m.baseAddress!, out.cols) }
            }
        }
        return out
    }
}
