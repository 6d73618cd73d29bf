import AlloyFormat
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
///
/// Large tensors stream block by block (`TaskArithmeticMerger`): magnitude thresholds
/// and rescale norms are gathered in passes over the blocks, random masks are
/// regenerated identically in every pass (`RandomMaskStream`), so a tensor merged in
/// blocks is bit for bit the tensor merged whole.
public struct TaskArithmeticFamily: MergeMethod {
    public let name: String
    public let sparsification: Sparsification?
    /// True for TIES-style sign election ("sum" consensus).
    public let signConsensus: Bool
    public let defaultNormalize: Bool
    public let defaultRescale: Bool
    /// Tensors with at most this many elements choose among magnitudes tied at a TIES or
    /// Breadcrumbs threshold exactly as mergekit (PyTorch's CPU sort, replayed) and are
    /// merged whole; larger ones keep tied elements in index order (lowest index first in
    /// the sort's direction), which lets them stream in blocks. Either way exactly the
    /// configured number of elements is kept.
    public var exactTieLimit: Int

    public init(name: String, sparsification: Sparsification?, signConsensus: Bool, defaultNormalize: Bool, defaultRescale: Bool,
                exactTieLimit: Int = 1 << 16) {
        self.name = name
        self.sparsification = sparsification
        self.signConsensus = signConsensus
        self.defaultNormalize = defaultNormalize
        self.defaultRescale = defaultRescale
        self.exactTieLimit = exactTieLimit
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
        // The base's shape wins: embeddings are cut to it, other mismatched models sit this tensor out.
        var reconciled = request
        var positions: [Int] = []
        var streams: [Int] = []
        reconciled.models = []
        for (i, input) in request.models.enumerated() {
            guard let x = try ShapeReconciliation.toBaseShape(input.tensor, base: base, isEmbedding: request.isEmbedding,
                                                              model: input.model, name: request.outputName) else { continue }
            var cut = input
            cut.tensor = x
            positions.append(reconciled.models.count)
            streams.append(i)
            reconciled.models.append(cut)
        }
        let merger = try TaskArithmeticMerger(method: self, header: reconciled, positions: positions, streams: streams,
                                              count: base.count, replay: replaysTies(count: base.count))
        return try merger.mergeWhole(reconciled)
    }

    /// True when ties at a magnitude threshold are broken as PyTorch's sort breaks them
    /// (tensors of at most `exactTieLimit` elements); larger tensors keep tied elements in
    /// index order and can be merged block by block.
    func replaysTies(count: Int) -> Bool {
        switch sparsification {
        case .magnitude?, .magnitudeOutliers?: return count <= exactTieLimit
        default: return false
        }
    }
}

extension TaskArithmeticFamily: BlockwiseMergeMethod {
    /// Streams a tensor unless its ties must be replayed (small tensors) or DELLA would rank
    /// along a row that spans blocks (1-D tensors).
    public func blockwiseMerger(shape: [Int], header: MergeRequest) throws -> (any BlockwiseMerger)? {
        let count = shape.reduce(1, *)
        guard header.base != nil, !replaysTies(count: count) else { return nil }
        if sparsification == .rankMagnitudeSampling && shape.count < 2 { return nil }
        let models = Array(header.models.indices)
        return try TaskArithmeticMerger(method: self, header: header, positions: models, streams: models, count: count, replay: false)
    }
}
