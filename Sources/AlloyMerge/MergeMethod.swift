import AlloyFormat
import AlloyMath
/// A parameter value as a configuration gives it, after resolving gradients and filters.
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    case string(String)

    /// The value as a number (booleans are 1 and 0, as in Python).
    public var number: Double? {
        switch self {
        case .number(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s)
        }
    }

    /// The value as a truth value (numbers are true when non-zero, as in Python).
    public var bool: Bool? {
        switch self {
        case .number(let d): return d != 0
        case .bool(let b): return b
        case .string(let s): return ["true", "yes", "1"].contains(s.lowercased()) ? true
            : (["false", "no", "0"].contains(s.lowercased()) ? false : nil)
        }
    }

    public var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return String(b)
        case .string(let s): return s
        }
    }
}

/// A parameter a merge method reads, with its default.
public struct ParameterSpec: Sendable {
    public let name: String
    /// A required parameter without a value is a configuration error (per-model
    /// parameters are never required of the base model).
    public let required: Bool
    public let defaultValue: ParameterValue?

    public init(_ name: String, required: Bool = false, default defaultValue: ParameterValue? = nil) {
        self.name = name
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// How a method treats the configuration's `base_model`.
public enum BaseModelRole: Sendable {
    /// The method needs a base (task arithmetic and relatives, slerp, model_stock ...).
    case required
    /// The method uses a base when one is given (nuslerp, multislerp).
    case optional
    /// The base is just one more input (linear, karcher, passthrough).
    case input
}

/// One model's tensor, with the per-model parameters resolved for it.
public struct MergeInput: Sendable {
    /// The model reference as written in the configuration.
    public var model: String
    public var tensor: Tensor
    /// Resolved per-model ("tensor") parameters, defaults included.
    public var parameters: [String: ParameterValue]
    /// A dtype every value of `tensor` is exactly representable in (the stored dtype, or the
    /// configured dtype the values were rounded to), when known; methods may then skip rounding
    /// the values to it. nil: unknown.
    public var exactDType: DType?

    public init(model: String, tensor: Tensor, parameters: [String: ParameterValue] = [:], exactDType: DType? = nil) {
        self.model = model
        self.tensor = tensor
        self.parameters = parameters
        self.exactDType = exactDType
    }

    /// A numeric per-model parameter.
    public func number(_ name: String) -> Double? { parameters[name]?.number }
}

/// Everything a method needs to produce one output tensor.
public struct MergeRequest: Sendable {
    /// Name of the output tensor.
    public var outputName: String
    /// True for embedding-like tensors (input embeddings, LM head) whose rows are vocabulary entries.
    public var isEmbedding: Bool
    /// True when the tensor may be left out of the output (a tied LM head, say).
    public var isOptional: Bool
    /// The base model's tensor, when the method has a base and the base has the tensor.
    public var base: MergeInput?
    /// The other models' tensors, in configuration order (only those that have the tensor).
    /// For methods whose `baseRole` is `.input`, the base appears here too, in its configuration place.
    public var models: [MergeInput]
    /// Resolved global parameters, defaults included.
    public var global: [String: ParameterValue]
    /// The run's random seed; randomised methods derive a per-tensor stream from it.
    public var seed: UInt64
    /// The configured working dtype (`dtype:`), when set; methods that mirror mergekit's
    /// arithmetic in that dtype may round through it.
    public var workingDType: DType?

    public init(outputName: String, isEmbedding: Bool = false, isOptional: Bool = false, base: MergeInput?,
                models: [MergeInput], global: [String: ParameterValue], seed: UInt64 = 0, workingDType: DType? = nil) {
        self.outputName = outputName
        self.isEmbedding = isEmbedding
        self.isOptional = isOptional
        self.base = base
        self.models = models
        self.global = global
        self.seed = seed
        self.workingDType = workingDType
    }

    /// A numeric global parameter.
    public func number(_ name: String) -> Double? { global[name]?.number }
    /// A boolean global parameter.
    public func flag(_ name: String) -> Bool? { global[name]?.bool }
    /// A reproducible generator for this tensor.
    public func randomGenerator() -> SeededRandom { SeededRandom(seed: seed, stream: outputName) }
}

/// A way of combining several models' tensors into one, as mergekit's merge methods do.
///
/// A method is a pure function of one `MergeRequest`: it neither reads files nor
/// knows about layers, which the plan resolves before calling it.
public protocol MergeMethod: Sendable {
    /// The name used in configurations (`merge_method: ties`).
    var name: String { get }
    /// Parameters with one value per output tensor.
    var globalParameters: [ParameterSpec] { get }
    /// Parameters with one value per input model per output tensor.
    var tensorParameters: [ParameterSpec] { get }
    /// How the method uses `base_model`.
    var baseRole: BaseModelRole { get }
    /// Checks the model counts before any tensor is read (e.g. slerp takes exactly two models).
    /// `models` counts non-base models; `hasBase` tells whether a base is configured.
    func validate(models: Int, hasBase: Bool) throws
    /// Merges one tensor. Returns nil only for optional tensors the method drops
    /// (which `keepsOptionalTensor` should have announced at plan time).
    func merge(_ request: MergeRequest) throws -> Tensor?
    /// Whether the method makes an optional tensor (a tied LM head, say) that `models`
    /// non-base models have, the base too when `hasBase`. The planner leaves tensors the
    /// method would drop out of the output before anything is written (mergekit's
    /// model_stock drops an optional tensor fewer than three models have). Default: true.
    func keepsOptionalTensor(models: Int, hasBase: Bool) -> Bool
    /// Checks one output tensor's resolved parameters at plan time, before any tensor data is
    /// read: `inputs` holds each input's per-model parameters in request order. Default: nothing.
    func validate(tensor: String, global: [String: ParameterValue], inputs: [[String: ParameterValue]]) throws
    /// The dtype mergekit's result has when its arithmetic promotes past the working
    /// dtype (ramplus_tl and arcee_fusion return float32 tensors from bfloat16 inputs);
    /// nil means the working dtype. `out_dtype`, when configured, still wins.
    var promotedResultDType: DType? { get }
}

extension MergeMethod {
    public var promotedResultDType: DType? { nil }

    public func keepsOptionalTensor(models: Int, hasBase: Bool) -> Bool { true }

    public func validate(tensor: String, global: [String: ParameterValue], inputs: [[String: ParameterValue]]) throws {}

    public func validate(models: Int, hasBase: Bool) throws {
        if baseRole == .required && !hasBase {
            throw AlloyError.config("base_model", "merge method \(name) needs a base_model", hint: "add base_model: to the configuration")
        }
    }
}
