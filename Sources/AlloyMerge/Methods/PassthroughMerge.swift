import AlloyFormat
/// `passthrough`: copies its single input, optionally multiplied by `scale`. The
/// frankenmerge primitive: with `slices:`, every output layer comes from one model.
public struct PassthroughMerge: BlockwiseMergeMethod {
    public init() {}
    public var name: String { "passthrough" }
    public var globalParameters: [ParameterSpec] { [] }
    public var tensorParameters: [ParameterSpec] { [ParameterSpec("scale")] }
    public var baseRole: BaseModelRole { .input }

    public func validate(models: Int, hasBase: Bool) throws {
        let count = models + (hasBase ? 1 : 0)
        guard count == 1 else {
            throw AlloyError.config("merge_method", "passthrough copies one model's tensors, but \(count) models are given",
                                    hint: "give each slice a single source, or use linear to average models")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        let inputs = (request.base.map { [$0] } ?? []) + request.models
        guard inputs.count == 1 else {
            throw AlloyError.config("slices", "passthrough takes exactly one tensor, \(request.outputName) has \(inputs.count)")
        }
        var tensor = inputs[0].tensor
        if let scale = inputs[0].number("scale") {
            let s = Float(scale)
            tensor.values.withUnsafeMutableBufferPointer { PassthroughKernels.scale($0, by: s) }
        }
        return tensor
    }
}

extension PassthroughMerge {
    /// Element-wise: every block is copied (and scaled) on its own.
    public func blockwiseMerger(shape: [Int], header: MergeRequest) throws -> (any BlockwiseMerger)? {
        IndependentBlocksMerger { block in
            guard let t = try self.merge(block) else { throw AlloyError.config("slices", "passthrough produced no tensor") }
            return t
        }
    }
}

enum PassthroughKernels {
    @inline(never) static func scale(_ v: UnsafeMutableBufferPointer<Float>, by s: Float) {
        let p = v.baseAddress!
        for i in 0..<v.count { p[i] *= s }
    }
}
