import AlloyFormat
import Yams

/// A YAML node with the configuration key path that led to it, so every error can
/// name the key (`slices[1].sources[0].layer_range`) and its line.
struct YAMLNode {
    let node: Node
    /// Key path from the document root, e.g. `models[0].parameters.weight`.
    let path: String

    /// `key (line N)`, for messages.
    var location: String {
        if let line = node.mark?.line { return "\(path.isEmpty ? "configuration" : path) (line \(line))" }
        return path.isEmpty ? "configuration" : path
    }

    func error(_ what: String, hint: String? = nil) -> AlloyError {
        AlloyError.config(location, what, hint: hint)
    }

    var isNull: Bool {
        if case .scalar(let s) = node, s.style == .plain { return node.null != nil || s.string.isEmpty }
        return false
    }

    func child(_ key: String, _ node: Node) -> YAMLNode {
        YAMLNode(node: node, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The members of a mapping, in order; rejects keys outside `allowed`.
    func mapping(allowed: [String]) throws -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping (key: value pairs)") }
        var out: [(String, YAMLNode)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let key = k.string else { throw error("has a key that is not a string") }
            let member = child(key, v)
            guard allowed.contains(key) else {
                let suggestion = YAMLNode.closest(key, in: allowed).map { "did you mean \"\($0)\"? " } ?? ""
                throw member.error("unknown key \"\(key)\"",
                                   hint: "\(suggestion)allowed here: \(allowed.joined(separator: ", ")) (mergekit would silently ignore it)")
            }
            guard seen.insert(key).inserted else { throw member.error("key given twice") }
            out.append((key, member))
        }
        return out
    }

    /// The members of a mapping with arbitrary keys (parameter names, token strings).
    func anyMapping() throws -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping (key: value pairs)") }
        var out: [(String, YAMLNode)] = []
        for (k, v) in m {
            guard let key = k.string else { throw error("has a key that is not a string") }
            out.append((key, child(key, v)))
        }
        return out
    }

    func sequence() throws -> [YAMLNode] {
        guard case .sequence(let s) = node else { throw error("expected a list") }
        return s.enumerated().map { YAMLNode(node: $1, path: "\(path)[\($0)]") }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node, !isNull else { throw error("expected a string") }
        return s.string
    }

    func int() throws -> Int {
        guard case .scalar = node, let v = node.int else { throw error("expected an integer") }
        return v
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let v = node.bool else { throw error("expected true or false") }
        return v
    }

    /// A scalar as a parameter value: booleans, numbers, else strings (as PyYAML's safe loader types them).
    func scalarValue() throws -> ParameterValue {
        guard case .scalar(let s) = node else { throw error("expected a number, a boolean or a string") }
        if isNull { throw error("has no value") }
        guard s.style == .plain else { return .string(s.string) }
        if let b = node.bool { return .bool(b) }
        if let i = node.int { return .number(Double(i)) }
        if let d = node.float { return .number(d) }
        return .string(s.string)
    }

    /// The allowed key closest to a misspelt one (edit distance ≤ 2).
    static func closest(_ key: String, in candidates: [String]) -> String? {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a), b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var prev = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let cur = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                    prev = cur
                }
            }
            return row[b.count]
        }
        let best = candidates.map { ($0, distance(key, $0)) }.min { $0.1 < $1.1 }
        return best.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }
}
