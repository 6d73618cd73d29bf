import AlloyMath
/// Builds one new matrix (input embedding or LM head) indexed by the donor's token ids.
public enum EmbeddingRebuild {
    /// What happened to the rows of one matrix.
    public struct Statistics: Sendable {
        public var tensor: String
        public var rows: Int
        public var exact = 0
        public var byte = 0
        public var prefix = 0
        /// Rows made by the approximation method.
        public var approximated = 0
        /// Tokens without a row in the donor's matrix (given the model's mean row).
        public var withoutDonorRow = 0
        /// Rows zeroed as junk by the Magikarp filter.
        public var junk = 0
    }

    /// Rows: copies of the model's rows for matched tokens, the approximation method's
    /// rows (with optional noise and scale) for the others, zeros for `junk` ids and for
    /// ids no donor token has.
    public static func build(_ context: ApproximationContext, alignment: VocabularyAlignment, junk: [Int] = [],
                             progress: ((Int) -> Void)? = nil) throws -> (EmbeddingMatrix, Statistics) {
        let model = context.model
        var out = EmbeddingMatrix(zeros: alignment.rowCount, model.cols)
        var stats = Statistics(tensor: context.tensorName, rows: alignment.rowCount)
        for copy in alignment.copies {
            out.values.withUnsafeMutableBufferPointer { dst in
                model.values.withUnsafeBufferPointer { src in
                    copyRow(src.baseAddress! + copy.modelID * model.cols, dst.baseAddress! + copy.donorID * model.cols, model.cols)
                }
            }
        }
        stats.exact = alignment.count(.exact)
        stats.byte = alignment.count(.byte)
        stats.prefix = alignment.count(.prefix)

        let approximable = alignment.unmatched.filter { $0 < context.donor.rows }
        let orphans = alignment.unmatched.filter { $0 >= context.donor.rows }
        if !orphans.isEmpty {
            let mean = model.meanRow()
            for id in orphans { out.setRow(id, mean) }
            stats.withoutDonorRow = orphans.count
        }
        if !approximable.isEmpty {
            let approximator = try TokenApproximators.make(context)
            let batch = context.options.batchSize > 0 ? context.options.batchSize : approximable.count
            var start = 0
            while start < approximable.count {
                let ids = Array(approximable[start..<min(start + batch, approximable.count)])
                var rows = try approximator.approximate(ids)
                perturb(&rows, ids: ids, context)
                for (i, id) in ids.enumerated() {
                    out.values.withUnsafeMutableBufferPointer { dst in
                        rows.values.withUnsafeBufferPointer { src in
                            copyRow(src.baseAddress! + i * rows.cols, dst.baseAddress! + id * rows.cols, rows.cols)
                        }
                    }
                }
                start += ids.count
                progress?(ids.count)
            }
            stats.approximated = approximable.count
        }
        let zero = [Float](repeating: 0, count: model.cols)
        for id in junk where id < out.rows { out.setRow(id, zero) }
        stats.junk = junk.count
        return (out, stats)
    }

    /// `--new-vocab-noise` then `--new-vocab-scale`. The noise of a token depends only on
    /// the seed, the tensor and the token id.
    static func perturb(_ rows: inout EmbeddingMatrix, ids: [Int], _ context: ApproximationContext) {
        if let sigma = context.options.newVocabNoise, sigma != 0 {
            var base = randomStream(context, purpose: "noise")
            let seed = base.next()
            for (i, id) in ids.enumerated() {
                var rng = SeededRandom(seed: seed, stream: String(id))
                for j in 0..<rows.cols { rows.values[i * rows.cols + j] += sigma * rng.nextGaussian() }
            }
        }
        if let scale = context.options.newVocabScale, scale != 0 {
            for i in rows.values.indices { rows.values[i] *= scale }
        }
    }
}
