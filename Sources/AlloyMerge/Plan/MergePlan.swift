import AlloyFormat
import AlloyModel
/// Everything a merge will do, decided before any tensor data is read: for every
/// output tensor, where its inputs come from, the parameters, shape and dtypes.
public struct MergePlan: Sendable {
    public let configuration: MergeConfiguration
    public var method: any MergeMethod
    /// Every referenced model, base first when there is one, then in configuration order.
    public let models: [InputModel]
    /// Index into `models` of the model whose config.json and tokenizer the output starts from.
    public let donor: Int
    /// Output tensors in write order (sorted by name, as mergekit writes them).
    public let tensors: [TensorPlan]
    /// Output layer count (the sum over slices), written to config.json.
    public let layerCount: Int
    /// Transforms applied to inputs before the method (vocabulary re-indexing).
    public let transforms: [any InputTransform]
    /// The output config.json.
    public let outputConfig: ModelConfig
    /// Things worth telling the user (truncated vocabularies, skipped models).
    public let warnings: [String]
    /// Writes tokenizer files when a vocabulary was built (else the donor's are copied).
    public let writeTokenizer: (@Sendable (String) throws -> Void)?

    public var donorModel: InputModel { models[donor] }
    /// Bytes of tensor data the output will hold.
    public var outputBytes: Int { tensors.reduce(0) { $0 + $1.spec.byteCount } }
}

/// How one output tensor is made.
public struct TensorPlan: Sendable {
    /// Where the tensor sits in the model.
    public enum Position: Sendable, Equatable {
        case preLayer
        case layer(Int)
        case postLayer
    }

    public var name: String
    public var position: Position
    /// Index of the output slice the tensor belongs to.
    public var slice: Int
    /// Layer position in [0, 1] used for gradients (0 for pre- and post-layer tensors).
    public var t: Double
    /// The inputs in configuration order (the base included when it is a source).
    public var inputs: [PlannedInput]
    /// Resolved global parameters.
    public var global: [String: ParameterValue]
    public var isEmbedding: Bool
    public var isOptional: Bool
    /// Output shape (inputs are cut to it when their shapes differ).
    public var shape: [Int]
    /// The dtype arithmetic is rounded to, as mergekit computes: `dtype`, else the promoted input dtype.
    public var workingDType: DType
    /// The dtype of the method's result before `out_dtype` is applied.
    public var resultDType: DType
    /// The dtype written.
    public var outputDType: DType
    /// True when the method cannot work on this tensor's type (integer buffers): the first input is copied.
    public var copiesRaw: Bool

    public var spec: TensorSpec { TensorSpec(name: name, dtype: outputDType, shape: shape) }
    /// Index into `inputs` of the base model's input, if the base is a source.
    public var baseInput: Int? { inputs.firstIndex { $0.isBase } }
}

/// One model's contribution to one output tensor.
public struct PlannedInput: Sendable {
    /// Index into `MergePlan.models`.
    public var model: Int
    /// The reference as written in the configuration.
    public var modelName: String
    /// The input tensor's name (layer index renumbered, or the embedding for a tied head).
    public var tensor: String
    public var isBase: Bool
    /// Resolved per-model parameters.
    public var parameters: [String: ParameterValue]
    /// Stored shape and dtype.
    public var shape: [Int]
    public var dtype: DType
}
