import AlloyFormat
import Foundation

/// The Karcher (Riemannian) mean of all inputs on the unit hypersphere, with equal
/// weights, rescaled by the mean of the inputs' norms. The base model, when
/// configured, is one more input. Iterates up to `max_iter` times until the
/// tangent step is shorter than `tol`.
public struct Karcher: MergeMethod {
    public init() {}
    public var name: String { "karcher" }
    public var globalParameters: [ParameterSpec] {
        [ParameterSpec("max_iter", default: .number(10)), ParameterSpec("tol", default: .number(1e-5))]
    }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .input }

    public func validate(models: Int, hasBase: Bool) throws {
        guard models + (hasBase ? 1 : 0) >= 1 else { throw AlloyError.config("models", "merge method karcher needs at least one model") }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        var tensors = request.models.map(\.tensor)
        if let base = request.base?.tensor { tensors.insert(base, at: 0) }
        guard !tensors.isEmpty else { return nil }
        if tensors.count == 1 { return tensors[0] }
        // Unlike mergekit (whose rectification is lost), embeddings of different vocabularies
        // are cut to their common top-left block.
        tensors = try ShapeReconciliation.commonSubmatrix(tensors, isEmbedding: request.isEmbedding, name: request.outputName)
        let maxIterations = try request.number("max_iter", default: 10)
        let tol = try request.number("tol", default: 1e-5)
        guard maxIterations >= 0, maxIterations.isFinite else {
            throw AlloyError.config("max_iter", "must be a non-negative integer, got \(maxIterations)")
        }
        let p = request.precision
        let alpha = 1.0 / Double(tensors.count)
        let values = tensors.map(\.values)
        let shape = tensors[0].shape

        let norms: [Double] = values.map { v in v.withUnsafeBufferPointer { Double(Float(VectorKernels.norm($0))) } }
        let units: [[Float]] = zip(values, norms).map { v, n in
            n == 0 ? [Float](repeating: 0, count: v.count) : VectorKernels.divided(v, by: Float(n), precision: p)
        }
        let valid = norms.indices.filter { norms[$0] > tol }
        guard let firstValid = valid.first else { return Tensor(zeros: shape) }
        let a = 1.0 / Double(valid.count) // equal weights renormalised over the valid inputs

        var mean = [Float](repeating: 0, count: values[0].count)
        for i in valid { mean = VectorKernels.sum(mean, VectorKernels.scaled(units[i], by: Float(a), precision: p), precision: p) }
        let meanNorm = Self.norm(mean)
        mean = meanNorm < tol ? units[firstValid] : VectorKernels.divided(mean, by: Float(meanNorm), precision: p)

        for _ in 0..<Int(maxIterations) {
            var tangent = [Float](repeating: 0, count: mean.count)
            for i in valid {
                let d = p.round(mean.withUnsafeBufferPointer { m in units[i].withUnsafeBufferPointer { Self.plainDot(m, $0) } })
                let dot = min(1, max(-1, d))
                let theta = p.round(Foundation.acos(dot))
                if Double(theta) < tol { continue }
                let coefficient = p.round(Float(a) * p.round(theta / p.round(Foundation.sin(theta))))
                let direction = VectorKernels.difference(units[i], VectorKernels.scaled(mean, by: dot, precision: p), precision: p)
                tangent = VectorKernels.sum(tangent, VectorKernels.scaled(direction, by: coefficient, precision: p), precision: p)
            }
            let tangentNorm = Float(Self.norm(tangent))
            if Double(tangentNorm) < tol { break }
            let step = VectorKernels.divided(tangent, by: tangentNorm, precision: p)
            // cos/sin of the step are rounded to the working dtype before scaling (as in mergekit).
            mean = VectorKernels.combination(p.round(Foundation.cos(tangentNorm)), mean, p.round(Foundation.sin(tangentNorm)), step, precision: p)
            let unitNorm = Self.norm(mean)
            if unitNorm > tol { mean = VectorKernels.divided(mean, by: Float(unitNorm), precision: p) }
        }
        let scale = norms.reduce(0.0) { $0 + alpha * $1 }
        return Tensor(shape: shape, values: VectorKernels.scaled(mean, by: p.round(scale), precision: p))
    }

    /// The Float32 norm mergekit takes (`norm(x.float())`), as a Double.
    static func norm(_ x: [Float]) -> Double { x.withUnsafeBufferPointer { Double(Float(VectorKernels.norm($0))) } }

    /// Σ x·y accumulated in Double (PyTorch's dot accumulates half-precision inputs in float).
    @inline(never) static func plainDot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double {
        var s: Double = 0
        for i in 0..<x.count { s += Double(x[i]) * Double(y[i]) }
        return s
    }
}
