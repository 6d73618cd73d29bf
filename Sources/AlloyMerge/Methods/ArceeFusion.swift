import AlloyFormat
import AlloyMath
import Foundation

/// Arcee Fusion: takes the secondary model's change only where it matters most.
/// Importance per element = `|x − b| · KL(softmax(x) ‖ softmax(b))` (the KL taken
/// per row along the last axis); elements whose importance reaches
/// `median + 1.5·(Q3 − Q1)` take the model's value, the rest keep the base's.
/// mergekit returns float32 tensors from this method.
public struct ArceeFusion: MergeMethod {
    public init() {}
    public var name: String { "arcee_fusion" }
    public var globalParameters: [ParameterSpec] { [] }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }
    public var promotedResultDType: DType? { .F32 }

    public func validate(models: Int, hasBase: Bool) throws {
        guard hasBase else {
            throw AlloyError.config("base_model", "merge method arcee_fusion needs a base_model", hint: "add base_model: to the configuration")
        }
        guard models == 1 else {
            throw AlloyError.config("models", "merge method arcee_fusion takes exactly one model besides the base, got \(models)")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard let baseTensor = request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(request.outputName): the base model does not have it (arcee_fusion needs it)")
        }
        if request.models.isEmpty { return baseTensor }
        guard request.models.count == 1 else {
            throw AlloyError(.mismatch, code: "model_count", "tensor \(request.outputName): arcee_fusion takes exactly one model besides the base")
        }
        let p = request.precision
        let pair = try ShapeReconciliation.commonSubmatrix([baseTensor, request.models[0].tensor], isEmbedding: request.isEmbedding,
                                                           name: request.outputName)
        let base = pair[0].values, x = pair[1].values
        let layout = VectorLayout.lastAxis(pair[0].shape)
        let delta = VectorKernels.difference(x, base, precision: p)
        var importance = [Float](repeating: 0, count: base.count)
        for v in 0..<layout.count {
            let range = layout.start(v)..<(layout.start(v) + layout.length)
            let kl = Self.divergence(Array(x[range]), Array(base[range]), precision: p)
            for i in range { importance[i] = p.round(abs(delta[i]) * kl) }
        }
        let threshold = Self.threshold(importance, precision: p)
        var out = [Float](repeating: 0, count: base.count)
        for i in 0..<out.count { out[i] = importance[i] >= threshold ? base[i] + delta[i] : base[i] }
        return Tensor(shape: pair[0].shape, values: out)
    }

    /// `Σ p·log(p/q)` with `p = softmax(x) + 1e-8`, `q = softmax(b) + 1e-8`, each step rounded.
    static func divergence(_ x: [Float], _ b: [Float], precision r: WorkingPrecision) -> Float {
        let p = softmax(x, precision: r), q = softmax(b, precision: r)
        var s: Double = 0
        for i in 0..<p.count {
            let ratio = r.round(p[i] / q[i])
            s += Double(r.round(p[i] * r.round(Foundation.log(ratio))))
        }
        return r.round(s)
    }

    static func softmax(_ x: [Float], precision r: WorkingPrecision) -> [Float] {
        let m = x.max() ?? 0
        let e = x.map { Foundation.exp(Double($0 - m)) }
        let total = e.reduce(0, +)
        return e.map { r.round(Double(r.round($0 / total)) + 1e-8) }
    }

    /// `median + 1.5·(Q3 − Q1)` with quantile q at sorted position `floor(q·(n − 1))`
    /// (exact order statistics by radix select, for every tensor size).
    static func threshold(_ importance: [Float], precision p: WorkingPrecision) -> Float {
        let n = importance.count
        guard n > 0 else { return 0 }
        let positions = [Float(0.25), Float(0.5), Float(0.75)].map { Int($0 * Float(n - 1)) }
        let q = importance.withUnsafeBufferPointer { v in positions.map { RadixSelect.value(ofRank: $0, in: v) } }
        return p.round(q[1] + p.round(Float(1.5) * p.round(q[2] - q[0])))
    }
}
