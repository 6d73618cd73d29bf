/// A step between loading one output tensor's inputs and merging them, that may
/// need every model's tensor at once (re-indexing embedding rows to a merged
/// vocabulary, for example). The plan applies it to the tensors it claims.
public protocol InputTransform: Sendable {
    /// True when this transform applies to the output tensor `name`.
    func applies(to name: String) -> Bool
    /// Rewrites the inputs of one tensor. `base` and `models` are as in `MergeRequest`.
    func transform(_ name: String, base: MergeInput?, models: [MergeInput]) throws -> (base: MergeInput?, models: [MergeInput])
    /// The shape `model`'s input for tensor `name` has after `transform` (planned before
    /// any data is read). The default keeps the shape.
    func transformedShape(_ name: String, model: String, shape: [Int]) -> [Int]
}

extension InputTransform {
    public func transformedShape(_ name: String, model: String, shape: [Int]) -> [Int] { shape }
}
