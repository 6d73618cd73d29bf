import AlloyFormat
/// A method that can merge a large tensor one block of rows at a time, so memory
/// stays at a few blocks whatever the tensor's size.
///
/// The protocol is multi-pass: a merger may first ask for any number of
/// *gathering* passes over every block (to collect whole-tensor statistics:
/// norms, magnitude histograms, L1 sums), then produces each block once. Within a
/// pass, blocks arrive in row order, one at a time. Element-wise methods need no
/// gathering pass; slerp needs one (norms and a dot product); the task-arithmetic
/// family needs up to three (magnitude thresholds, rescale sums).
public protocol BlockwiseMergeMethod: MergeMethod {
    /// A merger for one tensor of `shape`, or nil when this tensor must be merged whole.
    /// `header` is the tensor's request with inputs that hold no rows: names, parameters,
    /// seed and dtype, but no values.
    func blockwiseMerger(shape: [Int], header: MergeRequest) throws -> (any BlockwiseMerger)?
}

/// The state of one tensor's blockwise merge.
public protocol BlockwiseMerger: AnyObject {
    /// Called before each pass; true asks for one more gathering pass over every block,
    /// false moves on to producing.
    func beginPass() throws -> Bool
    /// Gathers statistics from one block.
    func gather(_ block: MergeBlock) throws
    /// Merges one block; the result has the block's rows.
    func produce(_ block: MergeBlock) throws -> Tensor
}

/// Some consecutive rows (along axis 0) of every input of one output tensor.
public struct MergeBlock: Sendable {
    /// The rows, in the output tensor.
    public var rows: Range<Int>
    /// Index, in the flattened output tensor, of the block's first element.
    public var elementOffset: Int
    /// The inputs cut to these rows.
    public var request: MergeRequest

    public init(rows: Range<Int>, elementOffset: Int, request: MergeRequest) {
        self.rows = rows
        self.elementOffset = elementOffset
        self.request = request
    }

    /// The whole tensor of `request` as one block.
    public init(whole request: MergeRequest) {
        let rows = request.base?.tensor.shape.first ?? request.models.first?.tensor.shape.first ?? 0
        self.init(rows: 0..<rows, elementOffset: 0, request: request)
    }
}

/// A merger for methods whose blocks are independent: no gathering pass, each block
/// merged as a tensor of its own.
public final class IndependentBlocksMerger: BlockwiseMerger {
    let merge: (MergeRequest) throws -> Tensor

    public init(_ merge: @escaping (MergeRequest) throws -> Tensor) { self.merge = merge }

    public func beginPass() throws -> Bool { false }
    public func gather(_ block: MergeBlock) throws {}
    public func produce(_ block: MergeBlock) throws -> Tensor { try merge(block.request) }
}
