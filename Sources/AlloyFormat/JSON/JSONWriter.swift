/// Serialises `JSONValue` in the layouts the Hugging Face ecosystem uses.
public struct JSONWriter: Sendable {
    /// Spaces per indentation level; `nil` writes compact JSON.
    public var indent: Int?
    /// Escape every non-ASCII character as `\uXXXX` (Python's `ensure_ascii=True`).
    public var asciiOnly: Bool
    /// Sort object keys (Python's `sort_keys=True`); otherwise document order.
    public var sortKeys: Bool
    /// Separator after `:` and `,` in compact mode (`", "`/`": "` is Python's default).
    public var compactSeparators: (item: String, key: String)

    public init(indent: Int? = 2, asciiOnly: Bool = false, sortKeys: Bool = false,
                compactSeparators: (item: String, key: String) = (",", ":")) {
        self.indent = indent
        self.asciiOnly = asciiOnly
        self.sortKeys = sortKeys
        self.compactSeparators = compactSeparators
    }

    /// The layout of `config.json` as `transformers` writes it (indent 2, sorted keys).
    public static let huggingFaceConfig = JSONWriter(indent: 2, asciiOnly: true, sortKeys: true)
    /// Compact, document order, UTF-8 kept: headers and NDJSON records.
    public static let compact = JSONWriter(indent: nil)
    /// Indented, document order.
    public static let pretty = JSONWriter(indent: 2)

    public func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, level: 0, into: &out)
        return out
    }

    func write(_ value: JSONValue, level: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += indent == nil ? compactSeparators.item : "," }
                newline(level + 1, into: &out)
                write(item, level: level + 1, into: &out)
            }
            newline(level, into: &out)
            out += "]"
        case .object(var members):
            if members.isEmpty { out += "{}"; return }
            if sortKeys { members.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            out += "{"
            for (k, (key, item)) in members.enumerated() {
                if k > 0 { out += indent == nil ? compactSeparators.item : "," }
                newline(level + 1, into: &out)
                writeString(key, into: &out)
                out += indent == nil ? compactSeparators.key : ": "
                write(item, level: level + 1, into: &out)
            }
            newline(level, into: &out)
            out += "}"
        }
    }

    func newline(_ level: Int, into out: inout String) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * level)
    }

    func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7F) {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
                    } else {
                        out += hex4(scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
