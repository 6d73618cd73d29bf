import AlloyMath
import AlloyFormat
import Foundation

/// SCE (Select, Calculate, Erase; arXiv 2408.07990): keeps the `select_topk`
/// fraction of positions where the task vectors vary most across models, weighs
/// each model by its mean squared delta, erases entries against the elected sign,
/// and averages what remains. User weights are not used.
public struct SCE: MergeMethod {
    public init() {}
    public var name: String { "sce" }
    public var globalParameters: [ParameterSpec] {
        [ParameterSpec("int8_mask", default: .bool(false)), ParameterSpec("select_topk", default: .number(1))]
    }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard let base = request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(request.outputName): the base model does not have it (sce needs it)")
        }
        let p = request.precision
        let topK = try request.number("select_topk", default: 1)
        _ = try request.flag("int8_mask", default: false)
        var deltas: [[Float]] = []
        for input in request.models {
            guard let x = try ShapeReconciliation.toBaseShape(input.tensor, base: base, isEmbedding: request.isEmbedding,
                                                              model: input.model, name: request.outputName) else { continue }
            var cast = x.values
            p.round(&cast) // models are cast to the base's dtype first
            deltas.append(VectorKernels.difference(cast, base.values, precision: p))
        }
        if deltas.isEmpty { return base }
        if topK < 1 { Self.selectHighVariance(&deltas, fraction: topK, precision: p) }

        // Per-model weights: mean of δ² (products rounded, sum rounded), normalised.
        var weights: [Double] = deltas.map { d in
            d.withUnsafeBufferPointer { Double(p.round(VectorKernels.dot($0, $0, precision: p))) } / Double(max(d.count, 1))
        }
        let total = weights.reduce(0, +)
        weights = total == 0 ? weights.map { _ in 1 / Double(weights.count) } : weights.map { $0 / total }
        let w = weights.map { p.round($0) }
        let mixed = Self.erasedAverage(deltas, weights: w, precision: p)
        return Tensor(shape: base.shape, values: VectorKernels.sum(base.values, mixed, precision: p))
    }

    /// Zeroes every delta outside the top `floor(fraction · #nonzero-variance)` positions by
    /// population variance across models (ties chosen as `torch.topk` chooses them).
    static func selectHighVariance(_ deltas: inout [[Float]], fraction: Double, precision p: WorkingPrecision) {
        let variance = populationVariance(deltas, precision: p)
        let nonzero = variance.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        let k = fraction <= 0 ? 0 : Int(fraction * Double(nonzero))
        var selected = variance
        selected.withUnsafeMutableBufferPointer { _ = MagnitudeRankMask.keep(0..<k, order: .descending, routine: .topK, of: $0) }
        // keep() zeroed the unselected variances; a selected variance of exactly 0 cannot occur
        // because k never exceeds the count of non-zero ones.
        for j in deltas.indices {
            deltas[j].withUnsafeMutableBufferPointer { d in
                selected.withUnsafeBufferPointer { v in Self.applyMask(d, v) }
            }
        }
    }

    /// Variance across models (divided by the model count) per position, rounded.
    @inline(never)
    static func populationVariance(_ deltas: [[Float]], precision p: WorkingPrecision) -> [Float] {
        let n = deltas[0].count, m = Double(deltas.count)
        var mean = [Double](repeating: 0, count: n)
        for d in deltas { for i in 0..<n { mean[i] += Double(d[i]) } }
        for i in 0..<n { mean[i] /= m }
        var sum = [Double](repeating: 0, count: n)
        for d in deltas { for i in 0..<n { sum[i] += (Double(d[i]) - mean[i]) * (Double(d[i]) - mean[i]) } }
        return sum.map { p.round($0 / m) }
    }

    @inline(never) static func applyMask(_ d: UnsafeMutableBufferPointer<Float>, _ keep: UnsafeBufferPointer<Float>) {
        for i in 0..<d.count where keep[i] == 0 { d[i] = 0 }
    }

    /// `Σ_i δ_i·w_i·agree_i / Σ_i w_i·agree_i` with the sign elected from the unweighted sum.
    static func erasedAverage(_ deltas: [[Float]], weights: [Float], precision p: WorkingPrecision) -> [Float] {
        let n = deltas[0].count
        var total = [Float](repeating: 0, count: n)
        for d in deltas { DeltaCombination.accumulate(d, into: &total) }
        var mixed = [Double](repeating: 0, count: n)
        var divisor = [Double](repeating: 0, count: n)
        for (j, d) in deltas.enumerated() {
            accumulate(d, weight: weights[j], elected: total, &mixed, &divisor, p)
        }
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var z = p.round(divisor[i])
            if z == 0 { z = 1 }
            out[i] = p.round(p.round(mixed[i]) / z)
        }
        return out
    }

    @inline(never)
    static func accumulate(_ d: [Float], weight: Float, elected: [Float], _ mixed: inout [Double], _ divisor: inout [Double], _ p: WorkingPrecision) {
        d.withUnsafeBufferPointer { d in
            elected.withUnsafeBufferPointer { s in
                mixed.withUnsafeMutableBufferPointer { m in
                    divisor.withUnsafeMutableBufferPointer { z in
                        for i in 0..<d.count {
                            let agree = (d[i] > 0 && s[i] >= 0) || (d[i] < 0 && s[i] < 0)
                            if agree {
                                m[i] += Double(p.round(d[i] * weight))
                                z[i] += Double(weight)
                            }
                        }
                    }
                }
            }
        }
    }
}
