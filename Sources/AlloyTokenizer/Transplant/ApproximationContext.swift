import AlloyFormat
/// RoPE geometry of a model, for `mp_rope`: rows are split into `heads` blocks whose
/// halves rotate against each other at frequencies `base^(-2i/headDim)`.
public struct RopeGeometry: Sendable, Equatable {
    public var heads: Int
    public var base: Double

    public init(heads: Int, base: Double) {
        self.heads = heads
        self.base = base
    }
}

/// Everything an approximation method may use for one matrix (the input embedding
/// or the LM head).
public struct ApproximationContext: Sendable {
    /// The tensor being rebuilt (for messages and random streams).
    public let tensorName: String
    /// The model's matrix (its rows are what approximations are made of).
    public let model: EmbeddingMatrix
    /// The donor's matrix (where the targets live).
    public let donor: EmbeddingMatrix
    /// Tokens both vocabularies share, by ascending donor id.
    public let shared: [(donorID: Int, modelID: Int)]
    public let isLMHead: Bool
    public let options: TransplantOptions
    /// The text of a donor token (for `subword`).
    public let donorText: @Sendable (Int) -> String
    /// The model's original tokenizer (for `subword`): text → ids, without special tokens.
    public let encodeWithModelTokenizer: (@Sendable (String) throws -> [Int])?
    /// RoPE geometry of the model and the donor (for `mp_rope`).
    public let modelRope: RopeGeometry?
    public let donorRope: RopeGeometry?

    public init(tensorName: String, model: EmbeddingMatrix, donor: EmbeddingMatrix,
                shared: [(donorID: Int, modelID: Int)], isLMHead: Bool, options: TransplantOptions,
                donorText: @escaping @Sendable (Int) -> String = { _ in "" },
                encodeWithModelTokenizer: (@Sendable (String) throws -> [Int])? = nil,
                modelRope: RopeGeometry? = nil, donorRope: RopeGeometry? = nil) {
        self.tensorName = tensorName
        self.model = model
        self.donor = donor
        self.shared = shared
        self.isLMHead = isLMHead
        self.options = options
        self.donorText = donorText
        self.encodeWithModelTokenizer = encodeWithModelTokenizer
        self.modelRope = modelRope
        self.donorRope = donorRope
    }

    /// The donor's rows of the shared tokens (the landmarks in donor space).
    public func sharedDonorRows() -> EmbeddingMatrix { donor.gathering(shared.map(\.donorID)) }
    /// The model's rows of the shared tokens (the same landmarks in model space).
    public func sharedModelRows() -> EmbeddingMatrix { model.gathering(shared.map(\.modelID)) }

    /// Fails unless at least `k` landmarks exist.
    func requireShared(atLeast k: Int, for method: ApproximationMethod) throws {
        guard k >= 1 else {
            throw AlloyError(.config, code: "invalid_k", "-k must be at least 1 (got \(k))")
        }
        guard shared.count >= k else {
            throw AlloyError(.config, code: "k_too_large",
                             "\(method.rawValue) needs \(k) tokens shared by both vocabularies, but only \(shared.count) are shared",
                             hint: shared.isEmpty ? "the tokenizers have nothing in common; use -a subword, mean or zero" : "use -k \(shared.count) or less")
        }
    }
}

/// An approximation method prepared for one matrix.
public protocol TokenApproximator {
    /// Rows in the model's space (`targets.count × model.cols`) for the donor token ids `targets`.
    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix
}

/// Builds the approximator a method names.
public enum TokenApproximators {
    public static func make(_ context: ApproximationContext) throws -> TokenApproximator {
        switch context.options.method {
        case .omp: return try OMPApproximator(context)
        case .commonInterpolation: return try CommonInterpolation(context)
        case .subword: return try SubwordApproximator(context)
        case .mean: return ConstantApproximator(row: context.model.meanRow())
        case .zero: return ConstantApproximator(row: [Float](repeating: 0, count: context.model.cols))
        case .randn: return RandomNormalApproximator(context)
        case .johnHewitt: return JohnHewittApproximator(context)
        case .landmarkPCA: return try LandmarkPCA(context)
        case .sparseTokenBasis: return try SparseTokenBasis(context)
        case .ropeMatchingPursuit: return try RopeMatchingPursuit(context)
        }
    }
}
