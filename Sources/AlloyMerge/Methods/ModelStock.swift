import AlloyFormat
import Foundation

/// Model Stock (arXiv 2403.19522): moves from the base toward the fine-tunes'
/// average by `t = N·cosθ / (1 + (N−1)·cosθ)`, with cosθ the mean pairwise cosine
/// between the fine-tunes' offsets from the base — over the whole tensor, or per
/// row (last axis) with `filter_wise`.
public struct ModelStock: MergeMethod {
    public init() {}
    public var name: String { "model_stock" }
    public var globalParameters: [ParameterSpec] { [ParameterSpec("filter_wise", default: .bool(false))] }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }

    public func validate(models: Int, hasBase: Bool) throws {
        guard hasBase else {
            throw AlloyError.config("base_model", "merge method model_stock needs a base_model", hint: "add base_model: to the configuration")
        }
        guard models >= 2 else {
            throw AlloyError.config("models", "merge method model_stock needs at least two models besides the base, got \(models)")
        }
    }

    /// An optional tensor only the base has is copied from it; one that the base and a single
    /// other model have is left out (the angle between offsets needs two of them).
    public func keepsOptionalTensor(models: Int, hasBase: Bool) -> Bool { models != 1 }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard let baseInput = request.base else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(request.outputName): the base model does not have it (model_stock needs it)")
        }
        if request.models.isEmpty { return baseInput.tensor }
        if request.models.count < 2 {
            throw AlloyError(.mismatch, code: "too_few_models",
                             "tensor \(request.outputName): model_stock needs the base and at least two other models to have it")
        }
        let filterWise = try request.flag("filter_wise", default: false)
        let p = request.precision
        let all = try ShapeReconciliation.commonSubmatrix([baseInput.tensor] + request.models.map(\.tensor),
                                                          isEmbedding: request.isEmbedding, name: request.outputName)
        let w0 = all[0].values, ws = all.dropFirst().map(\.values)
        let shape = all[0].shape
        let n = ws.count
        let layout = filterWise ? VectorLayout.lastAxis(shape) : VectorLayout.flat(shape)
        let offsets = ws.map { VectorKernels.difference($0, w0, precision: p) }

        // t per vector.
        var t = [Float](repeating: 0, count: layout.count)
        for v in 0..<layout.count {
            var cosines: [Float] = []
            let start = layout.start(v)
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let c: Float = offsets[i].withUnsafeBufferPointer { oi in
                        offsets[j].withUnsafeBufferPointer { oj in
                            let ni = p.round(VectorKernels.norm(oi, start: start, step: layout.step, count: layout.length))
                            let nj = p.round(VectorKernels.norm(oj, start: start, step: layout.step, count: layout.length))
                            let normProduct = p.round(ni * nj)
                            let dot = p.round(VectorKernels.dot(oi, oj, start: start, step: layout.step, count: layout.length, precision: p))
                            return min(1, max(-1, p.round(dot / max(normProduct, 1e-6))))
                        }
                    }
                    cosines.append(c)
                }
            }
            let cosTheta = p.round(cosines.reduce(0.0) { $0 + Double($1) } / Double(cosines.count))
            let numerator = p.round(Float(n) * cosTheta)
            let denominator = p.round(1 + p.round(Float(n - 1) * cosTheta))
            t[v] = p.round(numerator / denominator)
        }

        // w_avg = (Σ w_i) / N, summed left to right as Python's sum() does.
        var average = ws[0]
        for w in ws.dropFirst() { average = VectorKernels.sum(average, w, precision: p) }
        average = VectorKernels.divided(average, by: Float(n), precision: p)
        let out = Self.interpolate(average: average, base: w0, t: t, layout: layout, precision: p)
        return Tensor(shape: shape, values: out)
    }

    /// `t·avg + (1 − t)·w0` per vector, each step rounded.
    @inline(never)
    static func interpolate(average: [Float], base: [Float], t: [Float], layout: VectorLayout, precision p: WorkingPrecision) -> [Float] {
        var out = [Float](repeating: 0, count: base.count)
        average.withUnsafeBufferPointer { a in
            base.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    for v in 0..<layout.count {
                        let tv = t[v], rest = p.round(1 - tv)
                        var i = layout.start(v)
                        for _ in 0..<layout.length {
                            o[i] = p.round(p.round(tv * a[i]) + p.round(rest * b[i]))
                            i += layout.step
                        }
                    }
                }
            }
        }
        return out
    }
}
