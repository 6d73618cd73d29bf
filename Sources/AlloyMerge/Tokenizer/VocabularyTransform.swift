import AlloyFormat
import AlloyTokenizer
/// The merge-plan step that re-indexes embedding rows to the merged vocabulary
/// before the merge method runs (see `EmbeddingRemapper`).
public struct VocabularyTransform: InputTransform {
    public let remapper: EmbeddingRemapper
    private let isEmbedding: @Sendable (String) -> Bool
    private let rounding: @Sendable (String) -> DType?

    /// - Parameters:
    ///   - isEmbedding: which output tensors hold one row per token (input embeddings, LM heads).
    ///   - rounding: the dtype the tensor's arithmetic happens in (means round through it), if any.
    public init(remapper: EmbeddingRemapper, isEmbedding: @escaping @Sendable (String) -> Bool,
                rounding: @escaping @Sendable (String) -> DType? = { _ in nil }) {
        self.remapper = remapper
        self.isEmbedding = isEmbedding
        self.rounding = rounding
    }

    public func applies(to name: String) -> Bool { isEmbedding(name) }

    public func transformedShape(_ name: String, model: String, shape: [Int]) -> [Int] {
        guard shape.count == 2 else { return shape }
        return [remapper.paddedSize, shape[1]]
    }

    public func transform(_ name: String, base: MergeInput?, models: [MergeInput]) throws -> (base: MergeInput?, models: [MergeInput]) {
        let all = (base.map { [$0] } ?? []) + models
        let remapped = try remapper.remap(all.map { EmbeddingRemapper.Input(model: $0.model, tensor: $0.tensor) },
                                          tensorName: name, rounding: rounding(name))
        var outputs = zip(all, remapped).map { input, tensor -> MergeInput in
            var m = input
            m.tensor = tensor
            return m
        }
        let newBase = base == nil ? nil : outputs.removeFirst()
        return (newBase, outputs)
    }
}
