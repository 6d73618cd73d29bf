import AlloyFormat
import Foundation

/// A `tokenizer.json` decoder: turns token strings back into text.
indirect enum TokenDecoder: Sendable {
    case byteLevel
    case metaspace(replacement: String, stripLeading: Bool)
    case wordPiece(prefix: String, cleanup: Bool)
    case bpe(suffix: String)
    case byteFallback
    case fuse
    case strip(content: String, start: Int, stop: Int)
    case replace(TokenizerPattern, String)
    case sequence([TokenDecoder])

    static func parse(_ json: JSONValue?, file: String) throws -> TokenDecoder? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw AlloyError.tokenizer(file, "decoder without a type") }
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            let scheme = json["prepend_scheme"]?.stringValue ?? ((json["add_prefix_space"]?.boolValue ?? true) ? "always" : "never")
            return .metaspace(replacement: json["replacement"]?.stringValue ?? "\u{2581}", stripLeading: scheme != "never")
        case "WordPiece":
            return .wordPiece(prefix: json["prefix"]?.stringValue ?? "##", cleanup: json["cleanup"]?.boolValue ?? true)
        case "BPEDecoder": return .bpe(suffix: json["suffix"]?.stringValue ?? "</w>")
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(content: json["content"]?.stringValue ?? " ", start: json["start"]?.intValue ?? 0, stop: json["stop"]?.intValue ?? 0)
        case "Replace":
            return .replace(try TokenizerPattern(json: json["pattern"], file: file), json["content"]?.stringValue ?? "")
        case "Sequence":
            return .sequence(try (json["decoders"]?.arrayValue ?? []).compactMap { try parse($0, file: file) })
        default:
            throw AlloyError.unsupportedTokenizer(file, "decoder type \(type) is not supported")
        }
    }

    /// Rewrites the token list (decoders chain on lists; the caller joins the result).
    func apply(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            return [String(decoding: ByteLevelAlphabet.decodeBytes(tokens.joined()), as: UTF8.self)]
        case .metaspace(let replacement, let stripLeading):
            return tokens.enumerated().map { i, t in
                var s = t.replacingOccurrences(of: replacement, with: " ")
                if i == 0, stripLeading, s.bytesHavePrefix(" ") { s.removeFirst() }
                return s
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, t in
                var s = t
                if i > 0 {
                    if s.bytesHavePrefix(prefix) { s = String(s.utf8.dropFirst(prefix.utf8.count))! } else { s = " " + s }
                }
                return cleanup ? TokenDecoder.cleanup(s) : s
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { i, t in
                t.replacingOccurrences(of: suffix, with: i == tokens.count - 1 ? "" : " ")
            }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) { out.append(s) } else {
                    out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for t in tokens {
                if let b = ByteFallback.byte(of: t) { pending.append(b) } else { flush(); out.append(t) }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                var scalars = Array(t.unicodeScalars)
                let c = content.unicodeScalars.first
                var a = 0
                while a < start, a < scalars.count, scalars[a] == c { a += 1 }
                scalars.removeFirst(a)
                var b = 0
                while b < stop, let last = scalars.last, last == c { scalars.removeLast(); b += 1 }
                return String(String.UnicodeScalarView(scalars))
            }
        case .replace(let pattern, let content):
            return tokens.map { Normalizer.replace(pattern, content).apply($0) }
        case .sequence(let items):
            return items.reduce(tokens) { $1.apply($0) }
        }
    }

    static func cleanup(_ s: String) -> String {
        var t = s
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            t = t.replacingOccurrences(of: a, with: b)
        }
        return t
    }
}
