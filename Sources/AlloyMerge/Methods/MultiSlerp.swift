import AlloyFormat
import Foundation

/// Multi-SLERP: a weighted barycentre of several tensors on the hypersphere, by one
/// step in the tangent space at the weighted mean direction, rescaled by the
/// weighted mean norm. With a base model it works on the task vectors.
public struct MultiSlerp: MergeMethod {
    public init() {}
    public var name: String { "multislerp" }
    public var globalParameters: [ParameterSpec] {
        [ParameterSpec("normalize_weights", default: .bool(true)), ParameterSpec("eps", default: .number(1e-8))]
    }
    public var tensorParameters: [ParameterSpec] { [ParameterSpec("weight", required: true)] }
    public var baseRole: BaseModelRole { .optional }

    public func validate(models: Int, hasBase: Bool) throws {
        guard models >= 1 else { throw AlloyError.config("models", "merge method multislerp needs at least one model") }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard !request.models.isEmpty else {
            if let base = request.base?.tensor { return base }
            throw AlloyError(.mismatch, code: "no_inputs", "tensor \(request.outputName): no model has it")
        }
        if request.models.count == 1 { return request.models[0].tensor }
        let p = request.precision
        let eps = try request.number("eps", default: 1e-8)
        let normalize = try request.flag("normalize_weights", default: true)
        var weights = try request.models.map { p.round(Float(try $0.requiredNumber("weight", method: name, tensor: request.outputName))) }
        if normalize {
            let total = p.round(weights.reduce(0.0) { $0 + Double($1) })
            weights = weights.map { p.round($0 / total) }
        }
        let base = request.base?.tensor
        let shape = base?.shape ?? request.models[0].tensor.shape
        guard request.models.allSatisfy({ $0.tensor.shape == shape }) else {
            throw AlloyError(.mismatch, code: "shape_mismatch", "tensor \(request.outputName): input shapes differ",
                             hint: "the models must share an architecture and sizes")
        }
        var xs = request.models.map(\.tensor.values)
        if let base { xs = xs.map { VectorKernels.difference($0, base.values, precision: p) } }

        let norms: [Float] = xs.map { x in x.withUnsafeBufferPointer { p.round(VectorKernels.norm($0)) } }
        let units: [[Float]] = zip(xs, norms).map { x, n in VectorKernels.divided(x, by: p.round(Double(n) + eps), precision: p) }
        var mean = Self.weightedSum(units, weights, precision: p)
        let meanNorm = p.round(mean.withUnsafeBufferPointer { VectorKernels.norm($0) })
        if Double(meanNorm) < eps {
            guard xs.count == 2 else {
                throw AlloyError(.mismatch, code: "antipodal_inputs",
                                 "tensor \(request.outputName): the weighted directions cancel out (antipodal inputs)",
                                 hint: "change the models' weights")
            }
            var r = VectorKernels.combination(weights[0], xs[0], weights[1], xs[1], precision: p)
            if let base { r = VectorKernels.sum(r, base.values, precision: p) }
            return Tensor(shape: shape, values: r)
        }
        mean = VectorKernels.divided(mean, by: meanNorm, precision: p)
        let tangents: [[Float]] = units.map { u in
            let d = p.round(u.withUnsafeBufferPointer { u in mean.withUnsafeBufferPointer { VectorKernels.dot(u, $0, precision: p) } })
            return VectorKernels.difference(u, VectorKernels.scaled(mean, by: d, precision: p), precision: p)
        }
        let tangent = Self.weightedSum(tangents, weights, precision: p)
        let tangentNorm = p.round(Double(p.round(tangent.withUnsafeBufferPointer { VectorKernels.norm($0) })) + eps)
        let cosine = p.round(Foundation.cos(tangentNorm))
        let sineRatio = p.round(p.round(Foundation.sin(tangentNorm)) / tangentNorm)
        var result = VectorKernels.combination(cosine, mean, sineRatio, tangent, precision: p)
        let scale = p.round(zip(norms, weights).reduce(0.0) { $0 + Double(p.round($1.0 * $1.1)) })
        result = VectorKernels.scaled(result, by: scale, precision: p)
        if let base { result = VectorKernels.sum(result, base.values, precision: p) }
        return Tensor(shape: shape, values: result)
    }

    /// `Σ_i round(w_i·x_i)` accumulated in Double, rounded once.
    static func weightedSum(_ xs: [[Float]], _ w: [Float], precision p: WorkingPrecision) -> [Float] {
        var acc = [Double](repeating: 0, count: xs[0].count)
        for (x, wi) in zip(xs, w) { accumulate(x, wi, &acc, p) }
        return acc.map { p.round($0) }
    }

    @inline(never) static func accumulate(_ x: [Float], _ w: Float, _ acc: inout [Double], _ p: WorkingPrecision) {
        x.withUnsafeBufferPointer { x in
            acc.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] += Double(p.round(x[i] * w)) }
            }
        }
    }
}
