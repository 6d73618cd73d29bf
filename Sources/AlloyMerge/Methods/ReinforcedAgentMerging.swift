import AlloyFormat
import Foundation

/// Reinforced Agent Merging (arXiv 2601.13572): entries where only one model's task
/// vector is active (|δ| > epsilon) are taken whole; entries several models share
/// are averaged over the active ones. `ramplus_tl` additionally scales each model's
/// unique entries by `1 + r·clamp(shared/unique, 0, alpha)`, computed per tensor.
public struct ReinforcedAgentMerging: MergeMethod {
    /// True for `ramplus_tl`.
    public let plus: Bool
    public init(plus: Bool) { self.plus = plus }

    public static let ram = ReinforcedAgentMerging(plus: false)
    public static let ramPlusTL = ReinforcedAgentMerging(plus: true)

    public var name: String { plus ? "ramplus_tl" : "ram" }
    public var globalParameters: [ParameterSpec] {
        plus ? [ParameterSpec("r", default: .number(0.1)), ParameterSpec("alpha", default: .number(0.2)),
                ParameterSpec("epsilon", default: .number(1e-5))]
            : [ParameterSpec("epsilon", default: .number(1e-5))]
    }
    public var tensorParameters: [ParameterSpec] { [] }
    public var baseRole: BaseModelRole { .required }
    /// mergekit's RAM+ multiplies by a float32 factor, so its results are float32.
    public var promotedResultDType: DType? { plus ? .F32 : nil }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard let base = request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(request.outputName): the base model does not have it (\(name) needs it)")
        }
        if request.models.isEmpty { return base }
        let p = request.precision
        let epsilon = try request.number("epsilon", default: 1e-5)
        let eps = Float(epsilon)
        var deltas: [[Float]] = []
        for input in request.models {
            guard input.tensor.shape == base.shape else {
                throw AlloyError(.mismatch, code: "shape_mismatch",
                                 "tensor \(request.outputName): model \(input.model) has shape \(input.tensor.shape), the base \(base.shape)")
            }
            deltas.append(VectorKernels.difference(input.tensor.values, base.values, precision: p))
        }
        let n = base.count
        var counts = [Int32](repeating: 0, count: n)
        for d in deltas { Self.countActive(d, eps, &counts) }

        var factors = [Float](repeating: 1, count: deltas.count)
        if plus {
            let r = Float(try request.number("r", default: 0.1)), alpha = Float(try request.number("alpha", default: 0.2))
            for (j, d) in deltas.enumerated() {
                let (shared, unique) = Self.sharedAndUnique(d, eps, counts)
                let rho = Float(shared) / max(Float(unique), eps)
                factors[j] = 1 + r * min(max(rho, 0), alpha)
            }
        }
        var out = [Float](repeating: 0, count: n)
        Self.combine(deltas, counts: counts, eps: eps, factors: plus ? factors : nil, base: base.values, into: &out, p)
        return Tensor(shape: base.shape, values: out)
    }

    @inline(never) static func countActive(_ d: [Float], _ eps: Float, _ counts: inout [Int32]) {
        d.withUnsafeBufferPointer { d in
            counts.withUnsafeMutableBufferPointer { c in
                for i in 0..<c.count { c[i] &+= abs(d[i]) > eps ? 1 : 0 }
            }
        }
    }

    @inline(never) static func sharedAndUnique(_ d: [Float], _ eps: Float, _ counts: [Int32]) -> (Int, Int) {
        var shared = 0, unique = 0
        for i in 0..<d.count where abs(d[i]) > eps {
            if counts[i] > 1 { shared += 1 } else if counts[i] == 1 { unique += 1 }
        }
        return (shared, unique)
    }

    /// RAM: everything in the working dtype. RAM+: unique terms scaled in float32, shared
    /// terms in the working dtype, sums and the base addition in float32 (as mergekit).
    static func combine(_ deltas: [[Float]], counts: [Int32], eps: Float, factors: [Float]?, base: [Float],
                        into out: inout [Float], _ p: WorkingPrecision) {
        if let factors {
            for (j, d) in deltas.enumerated() { accumulatePlus(d, counts, eps, factors[j], &out, p) }
            add(base, to: &out)
        } else {
            var sums = [Double](repeating: 0, count: out.count)
            for d in deltas { accumulate(d, counts, eps, &sums, p) }
            finish(sums, base, &out, p)
        }
    }

    @inline(never)
    static func accumulatePlus(_ d: [Float], _ counts: [Int32], _ eps: Float, _ factor: Float, _ out: inout [Float], _ p: WorkingPrecision) {
        for i in 0..<out.count where abs(d[i]) > eps {
            out[i] += counts[i] == 1 ? d[i] * factor : p.round(d[i] / Float(counts[i]))
        }
    }

    @inline(never)
    static func accumulate(_ d: [Float], _ counts: [Int32], _ eps: Float, _ sums: inout [Double], _ p: WorkingPrecision) {
        for i in 0..<sums.count where abs(d[i]) > eps {
            sums[i] += Double(counts[i] == 1 ? d[i] : p.round(d[i] / Float(counts[i])))
        }
    }

    @inline(never) static func add(_ base: [Float], to out: inout [Float]) {
        for i in 0..<out.count { out[i] = base[i] + out[i] }
    }

    @inline(never) static func finish(_ sums: [Double], _ base: [Float], _ out: inout [Float], _ p: WorkingPrecision) {
        for i in 0..<out.count { out[i] = p.round(base[i] + p.round(sums[i])) }
    }
}
