import AlloyFormat
/// mergekit's two ways of reconciling input shapes that differ (spec 1.2).
public enum ShapeReconciliation {
    /// The common-submatrix rule: for embedding-like tensors whose inputs are all
    /// 2-D, cut every tensor to the top-left `min rows × min columns` block.
    /// Other tensors must agree in shape exactly.
    public static func commonSubmatrix(_ tensors: [Tensor], isEmbedding: Bool, name: String) throws -> [Tensor] {
        guard let first = tensors.first else { return tensors }
        if tensors.allSatisfy({ $0.shape == first.shape }) { return tensors }
        if isEmbedding && tensors.allSatisfy({ $0.rank == 2 }) {
            let rows = tensors.map { $0.shape[0] }.min()!, cols = tensors.map { $0.shape[1] }.min()!
            return tensors.map { topLeft($0, rows: rows, columns: cols) }
        }
        throw AlloyError(.mismatch, code: "shape_mismatch",
                         "tensor \(name): input shapes differ (\(tensors.map { "\($0.shape)" }.joined(separator: ", ")))",
                         hint: "the models must share an architecture and sizes")
    }

    /// The top-left `rows × columns` block of a matrix.
    public static func topLeft(_ t: Tensor, rows: Int, columns: Int) -> Tensor {
        precondition(t.rank == 2 && rows <= t.shape[0] && columns <= t.shape[1])
        if rows == t.shape[0] && columns == t.shape[1] { return t }
        let width = t.shape[1]
        var out = [Float]()
        out.reserveCapacity(rows * columns)
        for r in 0..<rows { out.append(contentsOf: t.values[(r * width)..<(r * width + columns)]) }
        return Tensor(shape: [rows, columns], values: out)
    }

    /// The task-vector rule of the task-arithmetic family: the base's shape wins.
    /// Returns `x` cut to the base's shape for embeddings, nil when the model must be
    /// skipped (a non-embedding shape mismatch), and throws when an embedding is
    /// smaller than the base's.
    public static func toBaseShape(_ x: Tensor, base: Tensor, isEmbedding: Bool, model: String, name: String) throws -> Tensor? {
        if x.shape == base.shape { return x }
        guard isEmbedding else { return nil }
        guard x.rank == 2, base.rank == 2, x.shape[0] >= base.shape[0], x.shape[1] >= base.shape[1] else {
            throw AlloyError(.mismatch, code: "shape_mismatch",
                             "tensor \(name): model \(model) has shape \(x.shape), smaller than the base's \(base.shape)",
                             hint: "use a tokenizer: configuration to merge models with different vocabularies")
        }
        return topLeft(x, rows: base.shape[0], columns: base.shape[1])
    }
}
