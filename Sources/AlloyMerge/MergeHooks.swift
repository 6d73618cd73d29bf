import AlloyFormat
/// Extension points of the merge pipeline: how `MODEL+ADAPTER` references are
/// opened and how merged vocabularies are built. `MergeHooks.standard` (the
/// planner's default) has both; a hook left nil makes the matching configuration
/// a clear "not available" error, so a caller can switch a feature off.
public struct MergeHooks: Sendable {
    /// Opens `model+adapter` references: returns a source that shows `base` with the
    /// adapter at `adapterPath` folded in.
    public var adapterSource: (@Sendable (_ base: any TensorSource, _ adapterPath: String) throws -> any TensorSource)?
    /// Builds the output vocabulary for `tokenizer:`, `tokenizer_source:` and `chat_template:`.
    public var vocabulary: (any VocabularyBuilder)?

    public init(adapterSource: (@Sendable (_ base: any TensorSource, _ adapterPath: String) throws -> any TensorSource)? = nil,
                vocabulary: (any VocabularyBuilder)? = nil) {
        self.adapterSource = adapterSource
        self.vocabulary = vocabulary
    }
}

/// Builds a merged vocabulary (mergekit's `tokenizer:` section): the transforms that
/// re-index embedding rows, the output vocabulary size, and the tokenizer files.
public protocol VocabularyBuilder: Sendable {
    /// Called once after the models are opened and before planning.
    func prepare(_ context: VocabularyContext) throws -> VocabularyResult
}

/// What a `VocabularyBuilder` gets to work with.
public struct VocabularyContext: Sendable {
    public var configuration: MergeConfiguration
    /// Every referenced model, base first when there is one.
    public var models: [InputModel]
    /// The model whose config and tokenizer the output starts from.
    public var donor: InputModel

    public init(configuration: MergeConfiguration, models: [InputModel], donor: InputModel) {
        self.configuration = configuration
        self.models = models
        self.donor = donor
    }
}

/// What a `VocabularyBuilder` contributes to the merge.
public struct VocabularyResult: Sendable {
    /// Applied to every tensor they claim, before the merge method.
    public var transforms: [any InputTransform]
    /// Replaces `vocab_size` in the output `config.json`.
    public var vocabSize: Int?
    /// Writes the tokenizer files into the output directory (replaces copying the donor's).
    public var writeFiles: @Sendable (_ directory: String) throws -> Void
    /// Things worth telling the user (tokens no model has, conflicting added tokens).
    public var warnings: [String]

    public init(transforms: [any InputTransform], vocabSize: Int?, warnings: [String] = [],
                writeFiles: @escaping @Sendable (_ directory: String) throws -> Void) {
        self.transforms = transforms
        self.vocabSize = vocabSize
        self.warnings = warnings
        self.writeFiles = writeFiles
    }
}
