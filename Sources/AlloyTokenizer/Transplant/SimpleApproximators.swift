import AlloyMath
import Foundation

/// `mean` and `zero`: the same row for every new token.
struct ConstantApproximator: TokenApproximator {
    let row: [Float]

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        var values: [Float] = []
        values.reserveCapacity(targets.count * row.count)
        for _ in targets { values += row }
        return EmbeddingMatrix(rows: targets.count, cols: row.count, values: values)
    }
}

/// A reproducible random stream for one tensor: the run's seed (or a fresh one) and the tensor's name.
func randomStream(_ context: ApproximationContext, purpose: String) -> SeededRandom {
    let seed = context.options.seed ?? UInt64.random(in: 0...UInt64.max)
    return SeededRandom(seed: seed, stream: context.tensorName + "/" + purpose)
}

/// `randn`: standard normal rows. Each token's draw depends only on the seed, the
/// tensor and the token id, so batching does not change it.
struct RandomNormalApproximator: TokenApproximator {
    let context: ApproximationContext
    let seed: UInt64

    init(_ context: ApproximationContext) {
        self.context = context
        var base = randomStream(context, purpose: "randn")
        seed = base.next()
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let cols = context.model.cols
        var out = EmbeddingMatrix(zeros: targets.count, cols)
        for (i, id) in targets.enumerated() {
            var rng = SeededRandom(seed: seed, stream: String(id))
            for j in 0..<cols { out.values[i * cols + j] = rng.nextGaussian() }
        }
        return out
    }
}

/// `john_hewitt`: samples from N(μ, Σ), the mean and covariance of the model's rows
/// (Hewitt's vocabulary-expansion heuristic). When Σ is not positive definite the
/// rows are small noise, N(0, 0.02²), as mergekit intends.
struct JohnHewittApproximator: TokenApproximator {
    let context: ApproximationContext
    let mean: [Float]
    /// Lower Cholesky factor of Σ, or nil to fall back to small noise.
    let factor: [Float]?
    let seed: UInt64

    init(_ context: ApproximationContext) {
        self.context = context
        let m = context.model
        mean = m.meanRow()
        let centered = m.subtractingFromRows(mean)
        var covariance = centered.multiplied(by: centered, transposeSelf: true).values
        let scale = 1 / Float(max(m.rows, 1))
        for i in covariance.indices { covariance[i] *= scale }
        factor = LeastSquares.cholesky(covariance, m.cols)
        var base = randomStream(context, purpose: "john_hewitt")
        seed = base.next()
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let d = context.model.cols
        var out = EmbeddingMatrix(zeros: targets.count, d)
        for (i, id) in targets.enumerated() {
            var rng = SeededRandom(seed: seed, stream: String(id))
            let z = (0..<d).map { _ in rng.nextGaussian() }
            for a in 0..<d {
                var v: Float
                if let l = factor {
                    v = mean[a]
                    for b in 0...a { v += l[a * d + b] * z[b] }
                } else {
                    v = 0.02 * z[a]
                }
                out.values[i * d + a] = v
            }
        }
        return out
    }
}
