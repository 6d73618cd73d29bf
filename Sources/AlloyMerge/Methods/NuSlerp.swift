import AlloyFormat
import Foundation

/// NuSLERP: spherical interpolation of two models with `t = w₂/(w₁ + w₂)`, over the
/// whole tensor (`nuslerp_flatten`, default) or vector by vector — rows (last axis)
/// by default, columns (first axis) with `nuslerp_row_wise`. With a base model it
/// interpolates the task vectors and adds the result to the base.
public struct NuSlerp: MergeMethod {
    public init() {}
    public var name: String { "nuslerp" }
    public var globalParameters: [ParameterSpec] {
        [ParameterSpec("nuslerp_row_wise", default: .bool(false)), ParameterSpec("nuslerp_flatten", default: .bool(true))]
    }
    public var tensorParameters: [ParameterSpec] { [ParameterSpec("weight", required: true)] }
    public var baseRole: BaseModelRole { .optional }

    public func validate(models: Int, hasBase: Bool) throws {
        guard models == 2 else {
            throw AlloyError.config("models", "merge method nuslerp takes exactly two models besides the optional base, got \(models)",
                                    hint: "the base_model must not be one of the two models")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        let present = request.models.count + (request.base == nil ? 0 : 1)
        if present == 1 { return request.base?.tensor ?? request.models[0].tensor }
        guard request.models.count == 2 else {
            throw AlloyError(.mismatch, code: "model_count",
                             "tensor \(request.outputName): nuslerp needs exactly two models besides the base, \(request.models.count) have it")
        }
        let p = request.precision
        let wa = try request.models[0].requiredNumber("weight", method: name, tensor: request.outputName)
        let wb = try request.models[1].requiredNumber("weight", method: name, tensor: request.outputName)
        let t = abs(wa + wb) < 1e-6 ? 0.5 : wb / (wa + wb)
        var tensors = request.models.map(\.tensor)
        if let base = request.base?.tensor { tensors.append(base) }
        tensors = try ShapeReconciliation.commonSubmatrix(tensors, isEmbedding: request.isEmbedding, name: request.outputName)
        let shape = tensors[0].shape
        let flatten = try request.flag("nuslerp_flatten", default: true)
        let rowWise = try request.flag("nuslerp_row_wise", default: false)
        let layout = flatten ? VectorLayout.flat(shape) : (rowWise ? VectorLayout.firstAxis(shape) : VectorLayout.lastAxis(shape))
        if request.base != nil {
            let base = tensors[2].values
            let v0 = VectorKernels.difference(tensors[0].values, base, precision: p)
            let v1 = VectorKernels.difference(tensors[1].values, base, precision: p)
            let r = Spherical.nuslerp(t: t, v0, v1, layout: layout, precision: p)
            return Tensor(shape: shape, values: VectorKernels.sum(base, r, precision: p))
        }
        return Tensor(shape: shape, values: Spherical.nuslerp(t: t, tensors[0].values, tensors[1].values, layout: layout, precision: p))
    }
}
