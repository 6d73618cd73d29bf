import AlloyFormat
import AlloyModel
/// A `mergekit-yaml` configuration, validated for shape (keys, types) but not yet
/// against the models it names. Produced by `MergeConfigurationParser`.
public struct MergeConfiguration: Sendable {
    /// `merge_method`.
    public var mergeMethod: String
    /// `models:` (whole-model form), in document order; nil with `slices:`.
    public var models: [ModelEntry]?
    /// `slices:` (layer-wise form); nil with `models:`.
    public var slices: [OutputSlice]?
    public var baseModel: ModelReference?
    /// Top-level `parameters:` (lowest precedence).
    public var parameters: ParameterSettings
    /// Working dtype: every input is cast to it on load.
    public var dtype: DType?
    /// Dtype of the written tensors.
    public var outDType: DType?
    /// `tokenizer:` or the legacy `tokenizer_source:` (see `TokenizerSettings.fromLegacyKey`).
    public var tokenizer: TokenizerSettings?
    /// `chat_template`: `auto`, a built-in name, or a Jinja template.
    public var chatTemplate: String?
    /// The configuration text exactly as read (written to `mergekit_config.yml`).
    public var text: String

    public init(mergeMethod: String, models: [ModelEntry]? = nil, slices: [OutputSlice]? = nil,
                baseModel: ModelReference? = nil, parameters: ParameterSettings = .init(), dtype: DType? = nil,
                outDType: DType? = nil, tokenizer: TokenizerSettings? = nil, chatTemplate: String? = nil, text: String = "") {
        self.mergeMethod = mergeMethod
        self.models = models
        self.slices = slices
        self.baseModel = baseModel
        self.parameters = parameters
        self.dtype = dtype
        self.outDType = outDType
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.text = text
    }

    /// Every model the configuration names (base first when set, then in document order), without repeats.
    public var referencedModels: [ModelReference] {
        var seen = Set<ModelReference>()
        var out: [ModelReference] = []
        func add(_ m: ModelReference) { if seen.insert(m).inserted { out.append(m) } }
        if let baseModel { add(baseModel) }
        for m in models ?? [] { add(m.model) }
        for s in slices ?? [] {
            if let b = s.baseModel { add(b) }
            for src in s.sources { add(src.model) }
        }
        return out
    }
}

/// One entry of `models:`.
public struct ModelEntry: Sendable {
    public var model: ModelReference
    public var parameters: ParameterSettings

    public init(model: ModelReference, parameters: ParameterSettings = .init()) {
        self.model = model
        self.parameters = parameters
    }
}

/// One entry of `slices:`: a block of output layers built from one or more sources.
public struct OutputSlice: Sendable {
    public var sources: [SliceSource]
    public var parameters: ParameterSettings
    /// Overrides the top-level `base_model` for the tensors of this slice.
    public var baseModel: ModelReference?

    public init(sources: [SliceSource], parameters: ParameterSettings = .init(), baseModel: ModelReference? = nil) {
        self.sources = sources
        self.parameters = parameters
        self.baseModel = baseModel
    }
}

/// One source of an output slice: a half-open layer range `[start, end)` of one model.
public struct SliceSource: Sendable {
    public var model: ModelReference
    public var layerRange: Range<Int>
    public var parameters: ParameterSettings

    public init(model: ModelReference, layerRange: Range<Int>, parameters: ParameterSettings = .init()) {
        self.model = model
        self.layerRange = layerRange
        self.parameters = parameters
    }
}

/// The vocabulary of the output model (`tokenizer:` / `tokenizer_source:`).
public struct TokenizerSettings: Sendable {
    /// Where the output vocabulary comes from.
    public enum Source: Sendable, Equatable {
        case union
        case base
        case model(ModelReference)
    }

    /// Where one token's embedding row comes from (`tokens.<tok>.source`).
    public enum TokenSource: Sendable, Equatable {
        /// The same token's row in that model.
        case model(ModelReference)
        /// A specific row (by token text or id) of a specific model.
        case modelToken(model: ModelReference, token: String?, tokenID: Int?)
        /// A row of zeros.
        case zero
    }

    /// Settings for one token.
    public struct Token: Sendable, Equatable {
        public var source: TokenSource?
        /// Use `source` for every model, even those that have the token.
        public var force: Bool

        public init(source: TokenSource?, force: Bool = false) {
            self.source = source
            self.force = force
        }
    }

    public var source: Source
    /// Per-token settings, in document order.
    public var tokens: [(token: String, settings: Token)]
    public var padToMultipleOf: Int?
    /// True when written as the legacy `tokenizer_source:` key.
    public var fromLegacyKey: Bool

    public init(source: Source = .union, tokens: [(token: String, settings: Token)] = [], padToMultipleOf: Int? = nil,
                fromLegacyKey: Bool = false) {
        self.source = source
        self.tokens = tokens
        self.padToMultipleOf = padToMultipleOf
        self.fromLegacyKey = fromLegacyKey
    }
}
