import AlloyFormat
import Foundation

/// `slerp`: spherical interpolation from the base (`t = 0`) to the one other model
/// (`t = 1`), treating each whole tensor as one vector. Nearly colinear inputs
/// (|cos| > 0.9995) are interpolated linearly, as in mergekit.
public struct SlerpMerge: BlockwiseMergeMethod {
    public init() {}
    public var name: String { "slerp" }
    public var globalParameters: [ParameterSpec] { [ParameterSpec("t", required: true)] }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }

    static let dotThreshold = 0.9995
    static let epsilon = 1e-8

    public func validate(models: Int, hasBase: Bool) throws {
        guard hasBase else {
            throw AlloyError.config("base_model", "slerp needs a base_model (the t = 0 end)", hint: "add base_model: and list it among the models")
        }
        guard models <= 1 else {
            throw AlloyError.config("models", "slerp merges exactly two models (the base and one other), got \(models + 1)",
                                    hint: "use multislerp or karcher for more than two models")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        var sums = [0.0, 0.0, 0.0]
        accumulate(request, into: &sums)
        return try merge(block: request, sums: sums)
    }

    /// One gathering pass for `‖v0‖², ‖v1‖², v0·v1`, then the blend of each block.
    public func blockwiseMerger(shape: [Int], header: MergeRequest) throws -> (any BlockwiseMerger)? {
        SlerpBlocks(method: self)
    }

    /// Adds `‖v0‖², ‖v1‖², v0·v1` of the block.
    func accumulate(_ block: MergeRequest, into sums: inout [Double]) {
        let inputs = (block.base.map { [$0] } ?? []) + block.models
        guard inputs.count == 2, inputs[0].tensor.shape == inputs[1].tensor.shape else { return }
        let (a, b, c) = inputs[0].tensor.values.withUnsafeBufferPointer { x in
            inputs[1].tensor.values.withUnsafeBufferPointer { y in SlerpKernels.statistics(x, y) }
        }
        sums[0] += a; sums[1] += b; sums[2] += c
    }

    func merge(block request: MergeRequest, sums: [Double]) throws -> Tensor {
        let inputs = (request.base.map { [$0] } ?? []) + request.models
        guard inputs.count == 2 else {
            if inputs.count == 1 { return inputs[0].tensor }
            throw AlloyError.config("models", "slerp merges exactly two tensors, \(request.outputName) has \(inputs.count)")
        }
        guard let t = request.number("t") else { throw AlloyError.config("parameters.t", "missing for \(request.outputName)") }
        let v0 = inputs[0].tensor, v1 = inputs[1].tensor
        guard v0.shape == v1.shape else {
            throw AlloyError(.mismatch, code: "shape_mismatch", "\(request.outputName): shapes \(v0.shape) and \(v1.shape) differ")
        }
        let (s0, s1) = SlerpMerge.coefficients(t: t, statistics: (sums[0], sums[1], sums[2]))
        var out = [Float](repeating: 0, count: v0.count)
        out.withUnsafeMutableBufferPointer { o in
            v0.values.withUnsafeBufferPointer { a in
                v1.values.withUnsafeBufferPointer { b in SlerpKernels.combine(o, a, Float(s0), b, Float(s1)) }
            }
        }
        return Tensor(shape: v0.shape, values: out)
    }

    /// The weights of `v0` and `v1` for position `t`, from `(‖v0‖², ‖v1‖², v0·v1)`.
    public static func coefficients(t: Double, statistics: (Double, Double, Double)) -> (Double, Double) {
        let (nn0, nn1, d) = statistics
        let n0 = nn0.squareRoot(), n1 = nn1.squareRoot()
        // Vectors with (almost) no length are left unnormalised, as mergekit does.
        let dot = d / (n0 > epsilon ? n0 : 1) / (n1 > epsilon ? n1 : 1)
        if abs(dot) > dotThreshold { return (1 - t, t) }
        let theta0 = acos(dot)
        let sinTheta0 = sin(theta0)
        let thetaT = theta0 * t
        return (sin(theta0 - thetaT) / sinTheta0, sin(thetaT) / sinTheta0)
    }
}

/// slerp's blockwise state: the sums gathered in the one pass.
final class SlerpBlocks: BlockwiseMerger {
    let method: SlerpMerge
    var sums = [0.0, 0.0, 0.0]
    var passes = 0

    init(method: SlerpMerge) { self.method = method }

    func beginPass() throws -> Bool {
        passes += 1
        return passes == 1
    }

    func gather(_ block: MergeBlock) throws { method.accumulate(block.request, into: &sums) }

    func produce(_ block: MergeBlock) throws -> Tensor { try method.merge(block: block.request, sums: sums) }
}

/// The loops of `slerp`.
enum SlerpKernels {
    /// `(‖a‖², ‖b‖², a·b)`, accumulated in `Double` so that the result does not depend on
    /// how the tensor is split into blocks (beyond the last bits of a `Double`).
    @inline(never) static func statistics(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> (Double, Double, Double) {
        var aa = 0.0, bb = 0.0, ab = 0.0
        let p = a.baseAddress!, q = b.baseAddress!
        for i in 0..<a.count {
            let x = Double(p[i]), y = Double(q[i])
            aa += x * x; bb += y * y; ab += x * y
        }
        return (aa, bb, ab)
    }

    /// `o = s0·a + s1·b`.
    @inline(never) static func combine(_ o: UnsafeMutableBufferPointer<Float>, _ a: UnsafeBufferPointer<Float>, _ s0: Float,
                                       _ b: UnsafeBufferPointer<Float>, _ s1: Float) {
        let n = o.count
        let out = o.baseAddress!, p = a.baseAddress!, q = b.baseAddress!
        for i in 0..<n { out[i] = s0 * p[i] + s1 * q[i] }
    }
}
