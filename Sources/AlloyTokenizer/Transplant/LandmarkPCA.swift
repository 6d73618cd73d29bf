import AlloyMath
/// `landmark_pca`: a linear map between the two spaces fitted on the shared tokens.
/// Both landmark sets are centered and reduced to their top `q = min(d_donor, d_model)`
/// principal components; an orthogonal Procrustes rotation aligns the donor's PCA
/// coordinates with the model's; a target is centered, projected, rotated, lifted
/// into the model's space and shifted by the model's landmark mean.
///
/// Differences from mergekit: the principal axes come from an exact SVD (mergekit
/// uses the randomized `pca_lowrank`), and the rotation is the Procrustes solution
/// `R = U Vᵀ` of `A_pcaᵀ B_pca` that maps donor coordinates onto model coordinates;
/// mergekit decomposes `B_pcaᵀ A_pca` and so applies the inverse rotation, which makes
/// its result depend on the arbitrary signs of the PCA axes.
struct LandmarkPCA: TokenApproximator {
    let donor: EmbeddingMatrix
    let donorMean: [Float]
    let modelMean: [Float]
    /// `d_donor × d_model`: centered donor row → centered model row.
    let map: EmbeddingMatrix

    init(_ context: ApproximationContext) throws {
        try context.requireShared(atLeast: 2, for: .landmarkPCA)
        donor = context.donor
        let a = context.sharedDonorRows(), b = context.sharedModelRows()
        donorMean = a.meanRow()
        modelMean = b.meanRow()
        let ac = a.subtractingFromRows(donorMean), bc = b.subtractingFromRows(modelMean)
        let q = min(a.cols, b.cols, a.rows)
        let va = try LandmarkPCA.principalAxes(ac, q)  // d_a × q
        let vb = try LandmarkPCA.principalAxes(bc, q)  // d_b × q
        let aPCA = ac.multiplied(by: va), bPCA = bc.multiplied(by: vb)  // N × q each
        let cross = aPCA.multiplied(by: bPCA, transposeSelf: true)     // q × q
        let (u, _, vt) = try Linalg.svd(cross.values, rows: q, cols: q)
        let rotation = EmbeddingMatrix(rows: q, cols: q, values: u).multiplied(by: EmbeddingMatrix(rows: q, cols: q, values: vt))
        map = va.multiplied(by: rotation).multiplied(by: vb, transposeOther: true)
    }

    /// The top `q` right singular vectors of `m`, as the columns of a `m.cols × q` matrix.
    static func principalAxes(_ m: EmbeddingMatrix, _ q: Int) throws -> EmbeddingMatrix {
        let (_, _, vt) = try Linalg.svd(m.values, rows: m.rows, cols: m.cols)  // min(rows, cols) × cols
        let top = EmbeddingMatrix(rows: q, cols: m.cols, values: Array(vt[0..<(q * m.cols)]))
        return top.transposed()
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let centered = donor.gathering(targets).subtractingFromRows(donorMean)
        var out = centered.multiplied(by: map)
        out.values.withUnsafeMutableBufferPointer { v in
            modelMean.withUnsafeBufferPointer { m in
                for r in 0..<out.rows { addScaled(v.baseAddress! + r * out.cols, 1, m.baseAddress!, out.cols) }
            }
        }
        return out
    }
}
