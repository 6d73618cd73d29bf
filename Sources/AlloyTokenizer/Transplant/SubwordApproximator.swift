import AlloyFormat
/// `subword`: the new token's text is tokenized with the model's original tokenizer
/// (no special tokens) and the pieces' model rows are combined by `--subword-method`:
/// - `mean`, `sum` of the pieces;
/// - `weighted_mean` with linear weights 1…n, reversed for the input embedding: the
///   first piece weighs most there and the last piece for the LM head (the numbers
///   mergekit computes; its source comment states the opposite intent);
/// - `first_last`: the last piece for the input embedding, the first for the LM head.
/// A text that tokenizes to nothing gets a zero row.

struct SubwordApproximator: TokenApproximator {
    let context: ApproximationContext
    let encode: @Sendable (String) throws -> [Int]

    init(_ context: ApproximationContext) throws {
        guard let encode = context.encodeWithModelTokenizer else {
            throw AlloyError(.unsupported, code: "no_model_tokenizer",
                             "subword needs the model's own tokenizer, which could not be loaded")
        }
        self.context = context
        self.encode = encode
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let m = context.model
        var out = EmbeddingMatrix(zeros: targets.count, m.cols)
        for (i, id) in targets.enumerated() {
            let pieces = try encode(context.donorText(id)).filter { $0 >= 0 && $0 < m.rows }
            let row = SubwordApproximator.combine(pieces, in: m, method: context.options.subwordMethod, isLMHead: context.isLMHead)
            out.setRow(i, row)
        }
        return out
    }

    /// The pieces' rows combined by `method`.
    static func combine(_ pieces: [Int], in m: EmbeddingMatrix, method: SubwordMethod, isLMHead: Bool) -> [Float] {
        var row = [Float](repeating: 0, count: m.cols)
        guard !pieces.isEmpty else { return row }
        var weights: [Float]
        switch method {
        case .mean: weights = [Float](repeating: 1 / Float(pieces.count), count: pieces.count)
        case .sum: weights = [Float](repeating: 1, count: pieces.count)
        case .weightedMean:
            weights = (1...pieces.count).map(Float.init)
            if !isLMHead { weights.reverse() }
            weights = weights.map { $0 * 2 / Float(pieces.count * (pieces.count + 1)) }
        case .firstLast:
            weights = [Float](repeating: 0, count: pieces.count)
            weights[isLMHead ? 0 : pieces.count - 1] = 1
        }
        m.values.withUnsafeBufferPointer { src in
            row.withUnsafeMutableBufferPointer { dst in
                for (piece, w) in zip(pieces, weights) where w != 0 {
                    addScaled(dst.baseAddress!, w, src.baseAddress! + piece * m.cols, m.cols)
                }
            }
        }
        return row
    }
}
