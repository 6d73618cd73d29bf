import AlloyFormat
import Foundation

/// NearSwap: takes the secondary model's value where it is within `t` of the base,
/// and moves toward the base where they differ more:
/// `ω = clamp(t / |B − X|, 0, 1)` (ω = 1 where they are equal), `R = ω·X + (1 − ω)·B`.
public struct NearSwap: MergeMethod {
    public init() {}
    public var name: String { "nearswap" }
    public var globalParameters: [ParameterSpec] { [ParameterSpec("t", required: true)] }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }

    public func validate(models: Int, hasBase: Bool) throws {
        guard hasBase else {
            throw AlloyError.config("base_model", "merge method nearswap needs a base_model", hint: "add base_model: to the configuration")
        }
        guard models == 1 else {
            throw AlloyError.config("models", "merge method nearswap takes exactly one model besides the base, got \(models)")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        let t = try request.requiredNumber("t", method: name)
        guard t > 0 else { throw AlloyError.config("t", "nearswap needs t > 0, got \(t)") }
        guard let base = request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(request.outputName): the base model does not have it (nearswap needs it)")
        }
        if request.models.isEmpty { return base }
        guard request.models.count == 1 else {
            throw AlloyError(.mismatch, code: "model_count", "tensor \(request.outputName): nearswap takes exactly one model besides the base")
        }
        let pair = try ShapeReconciliation.commonSubmatrix([base, request.models[0].tensor], isEmbedding: request.isEmbedding,
                                                           name: request.outputName)
        var out = [Float](repeating: 0, count: pair[0].count)
        Self.swap(Float(t), base: pair[0].values, other: pair[1].values, into: &out, request.precision)
        return Tensor(shape: pair[0].shape, values: out)
    }

    @inline(never)
    static func swap(_ t: Float, base: [Float], other: [Float], into out: inout [Float], _ p: WorkingPrecision) {
        for i in 0..<out.count {
            let distance = abs(p.round(base[i] - other[i]))
            let ratio = distance == 0 ? 1 : p.round(t / max(distance, 1e-6))
            let w = min(max(ratio, 0), 1)
            out[i] = p.round(p.round(w * other[i]) + p.round(p.round(1 - w) * base[i]))
        }
    }
}
