import AlloyMath
/// What `extract-lora` does, with mergekit-extract-lora's defaults.
public struct ExtractionOptions: Sendable {
    /// Largest rank per module.
    public var maxRank = 128
    /// Drop singular values at or below this (0: off), as mergekit's `--sv-epsilon`.
    public var svEpsilon: Double = 0
    /// Split √σ between A and B (true) or put σ on A and leave B = U (false).
    public var distributeScale = true
    /// Decompose embeddings too (otherwise they are saved whole, as `modules_to_save`).
    public var embedLoRA = false
    /// Module names (full or leaf) to save at full rank.
    public var saveModules: [String] = []
    /// Regular expressions: when any is given, a module must match one to be decomposed.
    public var includeRegexes: [String] = []
    /// Regular expressions: a module matching any is left out.
    public var excludeRegexes: [String] = []
    /// Leave out modules that cannot be decomposed (norms) instead of saving them whole.
    public var skipUndecomposable = false
    /// Keep the smallest rank holding this fraction of each delta's energy (capped by `maxRank`).
    public var energy: Double?
    /// Seed of the randomized SVD's test matrices.
    public var seed: UInt64 = 0
    public var svdStrategy: TruncatedSVD.Strategy = .auto(oversampling: 8, iterations: 8)
    public var threads = Parallel.defaultThreads

    public init() {}
}
