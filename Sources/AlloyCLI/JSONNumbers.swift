import AlloyFormat

extension JSONValue {
    /// A float as the shortest decimal that reads back as the same `Float`
    /// (`0.0123`, not `0.012300000339746475`); `null` for NaN and infinities,
    /// which JSON cannot hold.
    public static func float(_ v: Float) -> JSONValue { v.isFinite ? .number(v.description) : .null }

    /// A double, or `null` when it is NaN or infinite.
    public static func finite(_ v: Double?) -> JSONValue {
        guard let v, v.isFinite else { return .null }
        return .number(v.description)
    }
}
