import AlloyMath
/// `common_interpolation`: each new token's row is a weighted sum of the model rows
/// of its `k` nearest shared tokens, nearest in the donor's space (Euclidean, or
/// cosine distance with `-c`); weights by `--weight-scheme`:
/// - `distance_proportional`: 1/distance (similarity with `-c`), normalized to sum 1;
/// - `barycentric`: affine least squares (weights summing to 1 that best rebuild the target);
/// - `least_squares`: plain least squares on the neighbours.
struct CommonInterpolation: TokenApproximator {
    let context: ApproximationContext
    let donorLandmarks: EmbeddingMatrix
    /// Row of the model's matrix for each landmark.
    let modelRows: [Int]
    /// Squared norms of the donor landmarks.
    let landmarkNorms: [Float]

    init(_ context: ApproximationContext) throws {
        try context.requireShared(atLeast: context.options.k, for: .commonInterpolation)
        self.context = context
        donorLandmarks = context.sharedDonorRows()
        modelRows = context.shared.map(\.modelID)
        landmarkNorms = CommonInterpolation.squaredNorms(donorLandmarks)
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let y = context.donor.gathering(targets)
        let k = context.options.k, n = donorLandmarks.rows, d = y.cols
        let cosine = context.options.cosineSimilarity
        let dots = y.multiplied(by: donorLandmarks, transposeOther: true)  // B × N
        let targetNorms = CommonInterpolation.squaredNorms(y)
        let model = context.model, outCols = model.cols
        var values = [Float](repeating: 0, count: targets.count * outCols)
        try values.withUnsafeMutableBufferPointer { buffer in
            let rows = UncheckedSendable(buffer.baseAddress!)
            try Parallel.forEach(targets.count, threads: context.options.threads) { b in
                // Distances as torch.cdist computes them for large inputs: √max(|y|² + |p|² − 2y·p, 0).
                var distances = [Float](repeating: 0, count: n)
                for i in 0..<n {
                    let dot = dots.values[b * n + i]
                    if cosine {
                        let denominator = max((targetNorms[b] * landmarkNorms[i]).squareRoot(), 1e-6)
                        distances[i] = 1 - dot / denominator
                    } else {
                        distances[i] = max(targetNorms[b] + landmarkNorms[i] - 2 * dot, 0).squareRoot()
                    }
                }
                let nearest = distances.withUnsafeBufferPointer { CommonInterpolation.smallest(k, of: $0) }
                let weights = try weigh(target: y.row(b), neighbours: nearest, distances: nearest.map { distances[$0] }, d: d)
                model.values.withUnsafeBufferPointer { src in
                    for (j, index) in nearest.enumerated() {
                        addScaled(rows.value + b * outCols, weights[j], src.baseAddress! + modelRows[index] * outCols, outCols)
                    }
                }
            }
        }
        return EmbeddingMatrix(rows: targets.count, cols: outCols, values: values)
    }

    func weigh(target: [Float], neighbours: [Int], distances: [Float], d: Int) throws -> [Float] {
        let k = neighbours.count
        switch context.options.weightScheme {
        case .distanceProportional:
            let raw = distances.map { context.options.cosineSimilarity ? 1 - $0 : 1 / max($0, 1e-6) }
            let total = max(raw.reduce(0, +), 1e-6)
            return raw.map { $0 / total }
        case .leastSquares:
            // Solve Pᵀ w ≈ y with P the neighbours' rows (k × d), i.e. a d × k system.
            var a = [Float](repeating: 0, count: d * k)
            for (j, index) in neighbours.enumerated() {
                for i in 0..<d { a[i * k + j] = donorLandmarks.values[index * d + i] }
            }
            return try LeastSquares.solve(a, rows: d, cols: k, target)
        case .barycentric:
            // [P Pᵀ 1; 1ᵀ 0] [w; λ] = [P y; 1]
            let p = donorLandmarks.gathering(neighbours)
            let gram = p.multiplied(by: p, transposeOther: true).values
            var a = [Float](repeating: 0, count: (k + 1) * (k + 1))
            var rhs = [Float](repeating: 0, count: k + 1)
            for i in 0..<k {
                for j in 0..<k { a[i * (k + 1) + j] = gram[i * k + j] }
                a[i * (k + 1) + k] = 1
                a[k * (k + 1) + i] = 1
                rhs[i] = p.values.withUnsafeBufferPointer { pp in
                    target.withUnsafeBufferPointer { dotProduct(pp.baseAddress! + i * d, $0.baseAddress!, d) }
                }
            }
            rhs[k] = 1
            return Array(try LeastSquares.solve(a, rows: k + 1, cols: k + 1, rhs).prefix(k))
        }
    }

    /// Indices of the `k` smallest values, ascending (ties: lower index first).
    @inline(never)
    static func smallest(_ k: Int, of values: UnsafeBufferPointer<Float>) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for i in 0..<values.count {
            let v = values[i]
            if best.count == k, let last = best.last, !(v < values[last]) { continue }
            var position = best.count
            while position > 0, v < values[best[position - 1]] { position -= 1 }
            best.insert(i, at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    static func squaredNorms(_ m: EmbeddingMatrix) -> [Float] {
        m.values.withUnsafeBufferPointer { v in
            (0..<m.rows).map { dotProduct(v.baseAddress! + $0 * m.cols, v.baseAddress! + $0 * m.cols, m.cols) }
        }
    }
}
