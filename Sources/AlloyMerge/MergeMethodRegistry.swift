import AlloyFormat
/// Every merge method mergekit knows, by configuration name.
///
/// The registry also records the two things the pipeline must know about a
/// method before it runs: how input shapes are reconciled, and which dtype the
/// method's result has when no `dtype` is configured.
public enum MergeMethodRegistry {
    /// Every method, mergekit 0.1.x's 20. Add new conformers here.
    public static let implemented: [any MergeMethod] = [
        LinearMerge(), SlerpMerge(), PassthroughMerge(),
        NuSlerp(), MultiSlerp(), Karcher(), ModelStock(), NearSwap(), ArceeFusion(), SCE(),
        ReinforcedAgentMerging.ram, ReinforcedAgentMerging.ramPlusTL,
    ] + TaskArithmeticFamily.all

    /// The configuration names of `implemented`.
    public static let names = implemented.map(\.name)

    /// The method called `name`.
    public static func method(named name: String) throws -> any MergeMethod {
        if let m = implemented.first(where: { $0.name == name }) { return m }
        let guess = YAMLNode.closest(name, in: names).map { "did you mean \($0)? " } ?? ""
        throw AlloyError(.config, code: "unknown_method", "merge_method: unknown merge method \"\(name)\"",
                         hint: "\(guess)known methods: \(names.joined(separator: ", "))")
    }

    /// The methods that work on task vectors (`X - base`): their inputs are cut to the
    /// base's shape (a model with another shape is skipped, except embeddings), and
    /// they return the base's dtype.
    static let taskVectorMethods: Set<String> = [
        "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties",
        "della", "della_linear", "sce",
    ]

    /// How input shapes are reconciled for method `name`.
    public static func shapePolicy(_ name: String) -> ShapePolicy {
        taskVectorMethods.contains(name) ? .baseShape : .commonSubmatrix
    }

    /// Which dtype method `name` returns when no working dtype is configured.
    public static func resultDType(_ name: String) -> ResultDType {
        taskVectorMethods.contains(name) || name == "slerp" ? .base : .promoted
    }

    /// Known value ranges of parameters, checked for every resolved value.
    static let ranges: [String: ClosedRange<Double>] = [
        "density": 0...1, "gamma": 0...1, "select_topk": 0...1, "epsilon": 0...1,
        "max_iter": 1...1e9, "tol": 0...1e9, "eps": 0...1e9,
    ]

    /// Throws when `value` lies outside the known range of parameter `name`.
    static func checkRange(_ name: String, _ value: ParameterValue, where location: () -> String) throws {
        guard let range = ranges[name], let v = value.number else { return }
        if !range.contains(v) || v.isNaN {
            throw AlloyError.config(location(), "\(name) = \(value) is out of range [\(range.lowerBound.formatted()), \(range.upperBound.formatted())]")
        }
    }
}

/// How differently shaped inputs of one tensor are reconciled (mergekit's rules).
public enum ShapePolicy: Sendable {
    /// Embeddings are cut to the top-left block all inputs share; other mismatches are errors.
    case commonSubmatrix
    /// The base's shape wins: larger embeddings are cut to it, other mismatched models are skipped.
    case baseShape
}

/// The dtype of a method's result when the configuration sets no `dtype`.
public enum ResultDType: Sendable {
    /// PyTorch's promotion of the input dtypes.
    case promoted
    /// The base model's tensor dtype.
    case base
}

extension Double {
    func formatted() -> String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
