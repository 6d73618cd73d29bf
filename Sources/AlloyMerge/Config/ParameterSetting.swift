/// A parameter as a mergekit configuration writes it: a scalar, a gradient, a
/// step list, or a list of name-filtered conditions.
///
/// `evaluate(tensor:t:)` resolves it for one tensor at layer position `t ∈ [0, 1]`,
/// exactly as mergekit's `evaluate_setting` does.
public indirect enum ParameterSetting: Sendable, Equatable {
    /// One value everywhere.
    case scalar(ParameterValue)
    /// Numbers interpolated piecewise-linearly over the layers of a slice.
    case gradient([Double])
    /// Non-numeric values, one per equal step of the layer span.
    case steps([ParameterValue])
    /// Conditions scanned in order; the first whose filter matches the tensor name wins.
    case conditional([ParameterCondition])

    /// The value for tensor `name` at layer position `t`, or nil when no condition matches.
    public func evaluate(tensor name: String, t: Double) -> ParameterValue? {
        switch self {
        case .scalar(let v):
            return v
        case .gradient(let knots):
            return .number(ParameterSetting.interpolate(knots, at: t))
        case .steps(let values):
            guard !values.isEmpty else { return nil }
            let i = Int((t * Double(values.count - 1)).rounded(.down))
            return values[min(max(i, 0), values.count - 1)]
        case .conditional(let conditions):
            for c in conditions where c.matches(name) {
                return c.value.evaluate(tensor: name, t: t)
            }
            return nil
        }
    }

    /// mergekit's gradient rule: knots evenly spaced over [0, 1], linear in between.
    public static func interpolate(_ knots: [Double], at t: Double) -> Double {
        guard knots.count > 1 else { return knots.first ?? 0 }
        let scaled = t * Double(knots.count - 1)
        let i0 = min(max(Int(scaled.rounded(.down)), 0), knots.count - 1)
        let i1 = min(knots.count - 1, i0 + 1)
        let f = scaled - Double(i0)
        return (1 - f) * knots[i0] + f * knots[i1]
    }

    /// Every scalar this setting can produce (for range checks and JSON).
    public var allValues: [ParameterValue] {
        switch self {
        case .scalar(let v): return [v]
        case .gradient(let k): return k.map { .number($0) }
        case .steps(let v): return v
        case .conditional(let c): return c.flatMap(\.value.allValues)
        }
    }
}

/// `{filter: self_attn, value: 0.3}`: a value that applies to tensors whose name contains `filter`.
public struct ParameterCondition: Sendable, Equatable {
    /// A plain substring of the tensor name; nil or `*` matches every tensor.
    public var filter: String?
    public var value: ParameterSetting

    public init(filter: String?, value: ParameterSetting) {
        self.filter = filter
        self.value = value
    }

    /// True when this condition applies to tensor `name`.
    public func matches(_ name: String) -> Bool {
        guard let filter, filter != "*" else { return true }
        return name.contains(filter)
    }
}

/// A named set of parameter settings (`parameters:` at any level), in document order.
public struct ParameterSettings: Sendable, Equatable {
    public var entries: [(name: String, setting: ParameterSetting)]

    public init(_ entries: [(name: String, setting: ParameterSetting)] = []) { self.entries = entries }

    public subscript(name: String) -> ParameterSetting? {
        entries.first(where: { $0.name == name })?.setting
    }

    public var names: [String] { entries.map(\.name) }
    public var isEmpty: Bool { entries.isEmpty }

    public static func == (a: ParameterSettings, b: ParameterSettings) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.name == $1.name && $0.setting == $1.setting }
    }
}
