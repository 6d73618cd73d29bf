/// A method whose result for a block of rows depends only on the same rows of
/// its inputs and on a few sums over the whole tensor (none for element-wise
/// methods, norms and a dot product for slerp). The executor then merges large
/// tensors block by block, in two passes when sums are needed, so memory stays
/// at a few blocks whatever the tensor's size.
public protocol BlockwiseMergeMethod: MergeMethod {
    /// How many whole-tensor sums `merge(block:sums:)` needs (0: one pass).
    var sumCount: Int { get }
    /// Adds one block's contribution to `sums` (`sumCount` entries).
    func accumulate(_ block: MergeRequest, into sums: inout [Double])
    /// Merges one block of rows, given the sums over the whole tensor.
    func merge(block: MergeRequest, sums: [Double]) throws -> Tensor
}
