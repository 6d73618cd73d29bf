/// mergekit's generalized task arithmetic: one implementation behind
/// task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, breadcrumbs_ties,
/// della and della_linear, parameterised by a sparsification, an optional sign
/// consensus and the defaults of `normalize` and `rescale`.
///
/// Per tensor: task vectors `δ_i = X_i − B` (base shape wins), each sparsified,
/// weighted `W_i = w_i·δ_i`, summed (over sign-agreeing entries with consensus),
/// divided by the contributing weight when `normalize`, scaled by `lambda`, and
/// added to the base. In a half-precision working dtype every step is rounded as
/// mergekit's tensor operations round it.
public struct TaskArithmeticFamily: MergeMethod {
    public let name: String
    public let sparsification: Sparsification?
    /// True for TIES-style sign election ("sum" consensus).
    public let signConsensus: Bool
    public let defaultNormalize: Bool
    public let defaultRescale: Bool

    public init(name: String, sparsification: Sparsification?, signConsensus: Bool, defaultNormalize: Bool, defaultRescale: Bool) {
        self.name = name
        self.sparsification = sparsification
        self.signConsensus = signConsensus
        self.defaultNormalize = defaultNormalize
        self.defaultRescale = defaultRescale
    }

    public static let taskArithmetic = Self(name: "task_arithmetic", sparsification: nil, signConsensus: false,
                                            defaultNormalize: false, defaultRescale: false)
    public static let ties = Self(name: "ties", sparsification: .magnitude, signConsensus: true,
                                  defaultNormalize: true, defaultRescale: false)
    public static let dareTies = Self(name: "dare_ties", sparsification: .random, signConsensus: true,
                                      defaultNormalize: false, defaultRescale: true)
    public static let dareLinear = Self(name: "dare_linear", sparsification: .random, signConsensus: false,
                                        defaultNormalize: false, defaultRescale: true)
    public static let breadcrumbs = Self(name: "breadcrumbs", sparsification: .magnitudeOutliers, signConsensus: false,
                                         defaultNormalize: false, defaultRescale: false)
    public static let breadcrumbsTies = Self(name: "breadcrumbs_ties", sparsification: .magnitudeOutliers, signConsensus: true,
                                             defaultNormalize: false, defaultRescale: false)
    public static let della = Self(name: "della", sparsification: .rankMagnitudeSampling, signConsensus: true,
                                   defaultNormalize: true, defaultRescale: true)
    public static let dellaLinear = Self(name: "della_linear", sparsification: .rankMagnitudeSampling, signConsensus: false,
                                         defaultNormalize: false, defaultRescale: true)

    /// All eight variants.
    public static let all: [TaskArithmeticFamily] = [taskArithmetic, ties, dareTies, dareLinear, breadcrumbs, breadcrumbsTies, della, dellaLinear]

    public var baseRole: BaseModelRole { .required }

    public var globalParameters: [ParameterSpec] {
        [ParameterSpec("int8_mask", default: .bool(false)),
         ParameterSpec("normalize", default: .bool(defaultNormalize)),
         ParameterSpec("rescale", default: .bool(defaultRescale)),
         ParameterSpec("lambda", default: .number(1))]
    }

    public var tensorParameters: [ParameterSpec] {
        var specs = [ParameterSpec("weight", required: true), ParameterSpec("density", default: .number(1))]
        if sparsification == .magnitudeOutliers { specs.append(ParameterSpec("gamma", default: .number(0.01))) }
        if sparsification == .rankMagnitudeSampling { specs.append(ParameterSpec("epsilon", default: .number(0.15))) }
        return specs
    }

    public func validate(models: Int, hasBase: Bool) throws {
        guard hasBase else {
            throw AlloyError.config("base_model", "merge method \(name) needs a base_model", hint: "add base_model: to the configuration")
        }
    }

    public func merge(_ request: MergeRequest) throws -> Tensor? {
        guard let base = request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor",
                             "tensor \(request.outputName): the base model does not have it, and \(name) adds task vectors to the base",
                             hint: "pick a base_model that has every tensor")
        }
        let precision = request.precision
        let normalize = try request.flag("normalize", default: defaultNormalize)
        let rescale = try request.flag("rescale", default: defaultRescale)
        let lambda = try request.number("lambda", default: 1)
        _ = try request.flag("int8_mask", default: false) // memory-only option in mergekit: no numeric effect

        var weighted: [[Float]] = []
        var weights: [Float] = []
        var rng = request.randomGenerator()
        for input in request.models {
            guard let x = try ShapeReconciliation.toBaseShape(input.tensor, base: base,
                                                              isEmbedding: request.isEmbedding, model: input.model,
                                                              name: request.outputName) else { continue }
            let weight = precision.round(Float(try input.requiredNumber("weight", method: name, tensor: request.outputName)))
            var delta = Self.taskVector(x.values, base.values, precision: precision)
            if let sparsification {
                let settings = Sparsification.Settings(
                    density: try input.number("density", default: 1, tensor: request.outputName),
                    gamma: try input.number("gamma", default: 0.01, tensor: request.outputName),
                    epsilon: try input.number("epsilon", default: 0.15, tensor: request.outputName),
                    rescale: rescale)
                do {
                    try delta.withUnsafeMutableBufferPointer {
                        try sparsification.apply(to: $0, shape: base.shape, settings: settings, precision: precision, rng: &rng)
                    }
                } catch let error as AlloyError {
                    throw AlloyError(error.category, code: error.code,
                                     "\(error.message) (model \(input.model), tensor \(request.outputName))", hint: error.hint)
                }
            }
            Self.scale(&delta, by: weight, precision: precision)
            weighted.append(delta)
            weights.append(weight)
        }
        if weighted.isEmpty { return base }

        var mixed = signConsensus
            ? DeltaCombination.signConsensus(weighted, weights: weights, precision: precision)
            : DeltaCombination.sum(weighted, weights: weights, precision: precision)
        weighted = []
        if normalize { Self.divide(&mixed.delta, by: mixed.divisor, precision: precision) }
        if lambda != 1 { Self.scale(&mixed.delta, by: Float(lambda), precision: precision) }
        Self.add(base.values, to: &mixed.delta, precision: precision)
        return Tensor(shape: base.shape, values: mixed.delta)
    }

    /// `x − b`, rounded to the working precision.
    @inline(never) static func taskVector(_ x: [Float], _ b: [Float], precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: b.count)
        x.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { b in
                d.withUnsafeMutableBufferPointer { d in
                    for i in 0..<d.count { d[i] = x[i] - b[i] }
                    precision.round(d)
                }
            }
        }
        return d
    }

    @inline(never) static func scale(_ v: inout [Float], by s: Float, precision: WorkingPrecision) {
        v.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count { v[i] *= s }
            precision.round(v)
        }
    }

    /// Divides by a per-position divisor, or by one scalar when `divisor` has one element.
    @inline(never) static func divide(_ v: inout [Float], by divisor: [Float], precision: WorkingPrecision) {
        v.withUnsafeMutableBufferPointer { v in
            divisor.withUnsafeBufferPointer { d in
                if d.count == 1 {
                    let z = d[0]
                    for i in 0..<v.count { v[i] /= z }
                } else {
                    for i in 0..<v.count { v[i] /= d[i] }
                }
            }
            precision.round(v)
        }
    }

    @inline(never) static func add(_ b: [Float], to v: inout [Float], precision: WorkingPrecision) {
        b.withUnsafeBufferPointer { b in
            v.withUnsafeMutableBufferPointer { v in
                for i in 0..<v.count { v[i] += b[i] }
                precision.round(v)
            }
        }
    }
}
