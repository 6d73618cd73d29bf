/// Anything that hands out named tensors one at a time: a `TensorStore` on disk,
/// or a view over one (a base model with a LoRA adapter folded in, say).
public protocol TensorSource: AnyObject, Sendable {
    /// Where the tensors come from, for messages.
    var location: String { get }
    /// Tensor names in a stable order.
    var names: [String] { get }
    /// Dtype, shape and byte range of `name`, or nil when absent.
    func info(_ name: String) -> TensorInfo?
    /// `name` decoded to `Float`.
    func tensor(_ name: String) throws -> Tensor
    /// Lets the source drop whatever it holds for `name` once used.
    func release(_ name: String)
}

extension TensorSource {
    public func contains(_ name: String) -> Bool { info(name) != nil }
}

extension TensorStore: TensorSource {}
