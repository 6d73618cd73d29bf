/// The under-trained-token filter of "Fishing for Magikarp" (arXiv 2405.05417), as
/// mergekit-tokensurgeon applies it with `--magikarp`.
///
/// Unused rows are the rows no token owns plus tokens spelled with `unused_token` or
/// `reserved_special_token`. Bad rows are the unused ones, plus (when the model has an
/// LM head) input-embedding rows whose L2 norm is below the 1% quantile, plus rows of
/// either matrix whose cosine similarity to that matrix's mean unused row exceeds
/// max(0.5, 99% quantile).
public enum Magikarp {
    /// Token rows judged under-trained.
    public struct Verdict: Sendable {
        public var badRows: Set<Int>

        /// The tokens of `vocabulary` that are not bad.
        public func wellTrained(_ vocabulary: TransplantVocabulary) -> Set<NormalizedToken> {
            Set(vocabulary.entries.filter { !badRows.contains($0.id) }.map(\.normalized))
        }
    }

    /// Rows no token owns, plus tokens named like unused or reserved slots.
    public static func unusedRows(_ vocabulary: TransplantVocabulary, rows: Int) -> Set<Int> {
        var unused = Set(0..<rows)
        for e in vocabulary.entries where e.id < rows { unused.remove(e.id) }
        for e in vocabulary.entries where e.id < rows
            && (e.literal.contains("unused_token") || e.literal.contains("reserved_special_token")) {
            unused.insert(e.id)
        }
        return unused
    }

    /// Bad rows found in the input embedding (`hasHead` enables the norm test).
    public static func badEmbeddingRows(_ embed: EmbeddingMatrix, unused: Set<Int>, hasHead: Bool, quantile: Float = 0.01) -> Set<Int> {
        var bad = unused
        let norms = rowNorms(embed)
        if hasHead {
            let threshold = quantileOf(norms, quantile)
            for (i, n) in norms.enumerated() where n < threshold { bad.insert(i) }
        }
        bad.formUnion(similarToUnused(embed, norms: norms, unused: unused, quantile: quantile))
        return bad
    }

    /// Bad rows found in the LM head.
    public static func badHeadRows(_ head: EmbeddingMatrix, unused: Set<Int>, quantile: Float = 0.01) -> Set<Int> {
        similarToUnused(head, norms: rowNorms(head), unused: unused, quantile: quantile)
    }

    static func similarToUnused(_ m: EmbeddingMatrix, norms: [Float], unused: Set<Int>, quantile: Float) -> Set<Int> {
        guard !unused.isEmpty else { return [] }
        let meanUnused = m.gathering(unused.sorted()).meanRow()
        let meanNorm = meanUnused.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let similarity: [Float] = m.values.withUnsafeBufferPointer { v in
            meanUnused.withUnsafeBufferPointer { u in
                (0..<m.rows).map { i in
                    dotProduct(v.baseAddress! + i * m.cols, u.baseAddress!, m.cols) / max(norms[i] * meanNorm, 1e-8)
                }
            }
        }
        let threshold = max(quantileOf(similarity, 1 - quantile), 0.5)
        return Set(similarity.indices.filter { similarity[$0] > threshold })
    }

    static func rowNorms(_ m: EmbeddingMatrix) -> [Float] {
        m.values.withUnsafeBufferPointer { v in
            (0..<m.rows).map { dotProduct(v.baseAddress! + $0 * m.cols, v.baseAddress! + $0 * m.cols, m.cols).squareRoot() }
        }
    }

    /// The `q` quantile with linear interpolation (torch.quantile's default).
    static func quantileOf(_ values: [Float], _ q: Float) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let position = Double(q) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let fraction = Float(position - Double(lower))
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
