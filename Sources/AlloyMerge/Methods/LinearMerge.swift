import AlloyFormat
/// `linear`: the weighted average `Σ wᵢXᵢ / Σ wᵢ` (or the plain weighted sum with
/// `normalize: false`). Every listed model, the base included, is an input.
///
/// Computed in `Float` with the weights as given and rounded once when written,
/// which reproduces mergekit 0.1.5 bit for bit on half-precision inputs.
public struct LinearMerge: BlockwiseMergeMethod {
    public init() {}
    public var name: String { "linear" }
    public var globalParameters: [ParameterSpec] { [ParameterSpec("normalize", default: .bool(true))] }
    public var tensorParameters: [ParameterSpec] { [ParameterSpec("weight", required: true)] }
    public var baseRole: BaseModelRole { .input }

    public func validate(models: Int, hasBase: Bool) throws {
        if models + (hasBase ? 1 : 0) < 1 {
            throw AlloyError.config("models", "linear needs at least one model")
        }
    }

    /// Normalising weights that sum to zero would write inf/NaN everywhere (as mergekit does): refuse it.
    public func validate(tensor: String, global: [String: ParameterValue], inputs: [[String: ParameterValue]]) throws {
        guard global["normalize"]?.bool ?? true else { return }
        let weights = inputs.compactMap { $0["weight"]?.number }
        if weights.count == inputs.count, !weights.isEmpty, weights.reduce(0, +) == 0 {
            throw AlloyError(.config, code: "zero_weight_sum", "parameters.weight: the weights for \(tensor) sum to 0, so normalize: true would divide by zero",
                             hint: "change the weights, or set normalize: false for a plain weighted sum")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        let inputs = (request.base.map { [$0] } ?? []) + request.models
        guard let first = inputs.first else { return nil }
        var weights: [Double] = []
        for input in inputs {
            guard let w = input.number("weight") else {
                throw AlloyError.config("parameters.weight", "no weight for \(input.model) at \(request.outputName)")
            }
            weights.append(w)
        }
        var result = [Float](repeating: 0, count: first.tensor.count)
        for (input, w) in zip(inputs, weights) {
            guard input.tensor.shape == first.tensor.shape else {
                throw AlloyError(.mismatch, code: "shape_mismatch",
                                 "\(request.outputName): \(input.model) has shape \(input.tensor.shape), \(first.model) has \(first.tensor.shape)")
            }
            result.withUnsafeMutableBufferPointer { acc in
                input.tensor.values.withUnsafeBufferPointer { x in LinearKernels.accumulate(acc, x, Float(w)) }
            }
        }
        if request.flag("normalize") ?? true {
            let total = Float(weights.reduce(0, +))
            result.withUnsafeMutableBufferPointer { LinearKernels.divide($0, by: total) }
        }
        return Tensor(shape: first.tensor.shape, values: result)
    }
}

extension LinearMerge {
    /// Element-wise: every block is merged on its own.
    public func blockwiseMerger(shape: [Int], header: MergeRequest) throws -> (any BlockwiseMerger)? {
        IndependentBlocksMerger { block in
            guard let t = try self.merge(block) else { throw AlloyError.config("models", "linear needs at least one model") }
            return t
        }
    }
}

/// The loops of `linear`, kept apart so the optimiser vectorises them.
enum LinearKernels {
    /// `acc[i] += w * x[i]`.
    @inline(never) static func accumulate(_ acc: UnsafeMutableBufferPointer<Float>, _ x: UnsafeBufferPointer<Float>, _ w: Float) {
        let a = acc.baseAddress!, p = x.baseAddress!
        for i in 0..<acc.count { a[i] += w * p[i] }
    }

    /// `v[i] /= total` (division, not multiplication by the inverse, to round as PyTorch does).
    @inline(never) static func divide(_ v: UnsafeMutableBufferPointer<Float>, by total: Float) {
        let a = v.baseAddress!
        for i in 0..<v.count { a[i] /= total }
    }
}
