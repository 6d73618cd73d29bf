import AlloyFormat
import AlloyMath
/// `mp_rope`: matching pursuit in which every chosen atom (a shared token's donor row)
/// may also be rotated RoPE-style. For each new token, `k` times: pick the shared token
/// with the largest |⟨residual, atom⟩|, estimate the position whose rotation of the
/// atom best fits the residual (or its negation, keeping the smaller position), and
/// subtract the rotated atom's projection. The coefficients are then refitted by least
/// squares on the rotated atoms, and the same tokens, rotated to the same positions
/// with the model's head count and RoPE base, give the new row.
///
/// The head count comes from `num_attention_heads` and the base from `rope_theta`
/// (or `rope_parameters.rope_theta`, default 10000) in each config.json; a head's size
/// is the row width divided by the head count. mergekit 0.1.5 ships this method in a
/// state that does not work; this is an implementation of the algorithm as described.
struct RopeMatchingPursuit: TokenApproximator {
    let context: ApproximationContext
    let donorLandmarks: EmbeddingMatrix
    let modelLandmarks: EmbeddingMatrix
    let donorRotation: RopeRotation
    let modelRotation: RopeRotation

    init(_ context: ApproximationContext) throws {
        try context.requireShared(atLeast: context.options.k, for: .ropeMatchingPursuit)
        guard let donorRope = context.donorRope, let modelRope = context.modelRope else {
            throw AlloyError(.config, code: "rope_geometry", "mp_rope needs num_attention_heads in both models' config.json")
        }
        self.context = context
        donorLandmarks = context.sharedDonorRows()
        modelLandmarks = context.sharedModelRows()
        donorRotation = try RopeRotation(geometry: donorRope, width: context.donor.cols, role: "donor")
        modelRotation = try RopeRotation(geometry: modelRope, width: context.model.cols, role: "model")
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let y = context.donor.gathering(targets)
        let b = y.rows, d = y.cols, n = donorLandmarks.rows, k = context.options.k
        var residuals = y.values
        var chosen = [Int](repeating: 0, count: b * k)
        var positions = [Float](repeating: 0, count: b * k)
        let p = donorLandmarks.values
        for t in 0..<k {
            let scores = Linalg.matmul(residuals, rows: b, cols: d, p, rows: n, cols: d, transposeB: true)
            try withPointers(&residuals, &chosen, &positions) { res, chosenAll, pos in
                try withPointers(scores, p, y.values) { sc, p, _ in
                    let box = UncheckedSendable((res, chosenAll, pos, sc, p))
                    try Parallel.forEach(b, threads: context.options.threads) { row in
                        let (res, chosenAll, pos, sc, p) = box.value
                        let picks = chosenAll + row * k
                        let pick = OrthogonalMatchingPursuit.argmaxAbsExcluding(sc + row * n, n, picks, t)
                        picks[t] = pick
                        let r = res + row * d, atom = p + pick * d
                        let plus = donorRotation.estimatePosition(atom, r, sign: 1)
                        let minus = donorRotation.estimatePosition(atom, r, sign: -1)
                        let position = abs(plus) < abs(minus) ? plus : minus
                        pos[row * k + t] = position
                        var rotated = [Float](repeating: 0, count: d)
                        rotated.withUnsafeMutableBufferPointer { rot in
                            donorRotation.rotate(atom, position: position, into: rot.baseAddress!)
                            let c = dotProduct(r, rot.baseAddress!, d) / max(dotProduct(rot.baseAddress!, rot.baseAddress!, d), 1e-8)
                            addScaled(r, -c, rot.baseAddress!, d)
                        }
                    }
                }
            }
        }
        // Refit the coefficients on the rotated atoms, then rebuild in the model's space.
        let outCols = modelLandmarks.cols
        var out = [Float](repeating: 0, count: b * outCols)
        try out.withUnsafeMutableBufferPointer { outBuffer in
            let box = UncheckedSendable(outBuffer.baseAddress!)
            try Parallel.forEach(b, threads: context.options.threads) { row in
                var system = [Float](repeating: 0, count: d * k)  // d × k: rotated atoms as columns
                var rotated = [Float](repeating: 0, count: max(d, outCols))
                for j in 0..<k {
                    donorLandmarks.values.withUnsafeBufferPointer { src in
                        rotated.withUnsafeMutableBufferPointer { rot in
                            donorRotation.rotate(src.baseAddress! + chosen[row * k + j] * d, position: positions[row * k + j], into: rot.baseAddress!)
                        }
                    }
                    for i in 0..<d { system[i * k + j] = rotated[i] }
                }
                let coefficients = try LeastSquares.solve(system, rows: d, cols: k, y.row(row))
                for j in 0..<k {
                    modelLandmarks.values.withUnsafeBufferPointer { src in
                        rotated.withUnsafeMutableBufferPointer { rot in
                            modelRotation.rotate(src.baseAddress! + chosen[row * k + j] * outCols, position: positions[row * k + j], into: rot.baseAddress!)
                            addScaled(box.value + row * outCols, coefficients[j], rot.baseAddress!, outCols)
                        }
                    }
                }
            }
        }
        return EmbeddingMatrix(rows: b, cols: outCols, values: out)
    }
}
