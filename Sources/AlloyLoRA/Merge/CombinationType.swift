import AlloyFormat
import AlloyMath
/// PEFT's `add_weighted_adapter` combination types.
public enum CombinationType: String, CaseIterable, Sendable {
    case cat, linear, svd, ties, ties_svd, dare_linear, dare_ties, dare_linear_svd, dare_ties_svd
    case magnitude_prune, magnitude_prune_svd

    /// The SVD family: combine the full deltas `scaling·B·A`, then truncate by SVD.
    public var usesSVD: Bool { rawValue.hasSuffix("svd") }

    /// The element-wise combining function (nil for `cat`).
    public var taskMethod: TaskTensorMerge.Method? {
        switch self {
        case .cat: return nil
        case .linear, .svd: return .taskArithmetic
        case .ties, .ties_svd: return .ties
        case .dare_linear, .dare_linear_svd: return .dareLinear
        case .dare_ties, .dare_ties_svd: return .dareTies
        case .magnitude_prune, .magnitude_prune_svd: return .magnitudePrune
        }
    }

    /// True when the type needs `density`.
    public var needsDensity: Bool {
        switch taskMethod {
        case .ties?, .dareLinear?, .dareTies?, .magnitudePrune?: return true
        default: return false
        }
    }

    /// True when the type elects signs (`majority_sign_method` applies).
    public var electsSign: Bool { taskMethod == .ties || taskMethod == .dareTies }

    /// True for the types whose inputs must all have the same rank.
    public var needsEqualRanks: Bool { self != .cat && !usesSVD }

    /// True when the result depends on the random seed.
    public var isRandom: Bool { taskMethod == .dareLinear || taskMethod == .dareTies }
}

/// Everything `add_weighted_adapter` takes besides the adapters.
public struct AdapterMergeOptions: Sendable {
    public var combination: CombinationType
    /// One multiplier per adapter (negative allowed; not normalised).
    public var weights: [Double]
    public var density: Double?
    public var majoritySign: TaskTensorMerge.MajoritySign
    /// The merged rank for the SVD family (nil or 0: the largest input rank).
    public var svdRank: Int?
    /// Quantile in [0, 1] of the new factors' signed values to clamp them to.
    public var svdClamp: Double?
    public var seed: UInt64
    public var svdStrategy: TruncatedSVD.Strategy
    /// Dtype of the merged factors (PEFT saves merged adapters in float32).
    public var dtype: DType

    public init(combination: CombinationType, weights: [Double], density: Double? = nil,
                majoritySign: TaskTensorMerge.MajoritySign = .total, svdRank: Int? = nil, svdClamp: Double? = nil,
                seed: UInt64 = 0, svdStrategy: TruncatedSVD.Strategy = .full, dtype: DType = .F32) {
        self.combination = combination
        self.weights = weights
        self.density = density
        self.majoritySign = majoritySign
        self.svdRank = svdRank
        self.svdClamp = svdClamp
        self.seed = seed
        self.svdStrategy = svdStrategy
        self.dtype = dtype
    }
}
