import AlloyMath
/// How tokens the model lacks get their embedding rows (mergekit-tokensurgeon's
/// `--approximation-method`, same spellings).
public enum ApproximationMethod: String, CaseIterable, Sendable {
    /// Orthogonal matching pursuit over the shared tokens in the donor's space.
    case omp
    /// Interpolation between the k nearest shared tokens.
    case commonInterpolation = "common_interpolation"
    /// The model's own tokenization of the token's text, its pieces combined.
    case subword
    /// The model's mean embedding.
    case mean
    /// Zeros.
    case zero
    /// Standard normal noise.
    case randn
    /// Samples from a normal distribution with the model's embedding mean and covariance.
    case johnHewitt = "john_hewitt"
    /// PCA of the shared tokens in both spaces, aligned by orthogonal Procrustes.
    case landmarkPCA = "landmark_pca"
    /// Sparse token basis: approximately orthogonal bases built from shared tokens.
    case sparseTokenBasis = "stb"
    /// Matching pursuit whose atoms may be rotated RoPE-style.
    case ropeMatchingPursuit = "mp_rope"
}

/// How `common_interpolation` weighs the neighbours (`--weight-scheme`).
public enum WeightScheme: String, CaseIterable, Sendable {
    case distanceProportional = "distance_proportional"
    case barycentric
    case leastSquares = "least_squares"
}

/// How `subword` combines the pieces (`--subword-method`).
public enum SubwordMethod: String, CaseIterable, Sendable {
    case mean, sum
    case weightedMean = "weighted_mean"
    case firstLast = "first_last"
}

/// Which matrices a fallback match (prefix or byte) applies to (`--prefix-match`, `--byte-match`).
public enum MatchScope: String, CaseIterable, Sendable {
    case no, yes, embed
    case lmHead = "lm_head"

    /// Whether the match is allowed for the input embedding (`false`) or the LM head (`true`).
    /// Unlike mergekit, `embed` means the input embedding and `lm_head` the head.
    public func allows(lmHead: Bool) -> Bool {
        switch self {
        case .no: return false
        case .yes: return true
        case .embed: return !lmHead
        case .lmHead: return lmHead
        }
    }
}

/// Everything that shapes a transplant.
public struct TransplantOptions: Sendable {
    public var method: ApproximationMethod = .omp
    /// Atoms (omp, stb, mp_rope) or neighbours (common_interpolation).
    public var k = 64
    /// common_interpolation: cosine distance instead of Euclidean.
    public var cosineSimilarity = false
    public var weightScheme: WeightScheme = .distanceProportional
    public var subwordMethod: SubwordMethod = .mean
    /// Tokens approximated per batch; ≤ 0 means all at once.
    public var batchSize = 512
    public var prefixMatch: MatchScope = .no
    public var byteMatch: MatchScope = .no
    /// Filter under-trained tokens (Magikarp) in both models first.
    public var magikarp = false
    /// Standard deviation of Gaussian noise added to approximated rows.
    public var newVocabNoise: Float?
    /// Factor applied to approximated rows (after the noise).
    public var newVocabScale: Float?
    /// Seed of every random draw (randn, john_hewitt, noise); nil draws a fresh one.
    public var seed: UInt64?
    /// Worker threads.
    public var threads = Parallel.defaultThreads
    /// Largest output shard, in bytes.
    public var maxShardBytes = 5_000_000_000

    public init() {}
}
