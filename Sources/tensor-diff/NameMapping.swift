import AlloyFormat

/// How a tensor name in one input becomes the common name both inputs are matched
/// on: an optional prefix stripped, then an optional prefix added.
struct NameMapping {
    var stripPrefix: String?
    var addPrefix: String?

    func map(_ name: String) -> String {
        var n = name
        if let p = stripPrefix, !p.isEmpty, n.hasPrefix(p) { n = String(n.dropFirst(p.count)) }
        if let p = addPrefix { n = p + n }
        return n
    }

    /// Common name → original name, refusing two names that map to the same common name.
    func table(_ names: [String], side: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in names {
            let key = map(name)
            if let other = out[key] {
                throw AlloyError(.config, code: "name_collision",
                                 "input \(side): tensors \"\(other)\" and \"\(name)\" both map to \"\(key)\"",
                                 hint: "adjust --strip-prefix-\(side.lowercased()) / --add-prefix-\(side.lowercased())")
            }
            out[key] = name
        }
        return out
    }
}
