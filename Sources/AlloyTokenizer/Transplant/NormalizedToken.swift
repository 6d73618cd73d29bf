/// A vocabulary entry in a form that compares across tokenizers: the word-start
/// marker (`Ġ` in byte-level BPE, `▁` in SentencePiece) becomes a flag, and the
/// tokens a tokenizer names as its special tokens become their role, so `<s>` and
/// `<|begin_of_text|>` both read as the `bos_token`.
public enum NormalizedToken: Hashable, Sendable, CustomStringConvertible {
    /// A token without a word-start marker, as spelled in the vocabulary.
    case plain(String)
    /// A token that begins a word; the payload is the text after the marker.
    case wordStart(String)
    /// A special token, by role (`bos_token`, `eos_token`, `unk_token`, ...).
    case special(String)

    /// Normalizes `token` given the tokenizer's word-start marker and its special
    /// tokens (content → role). The marker is checked first, as mergekit does.
    public init(_ token: String, wordStartMarker: String, specialRoles: [String: String]) {
        if !wordStartMarker.isEmpty, token.hasPrefix(wordStartMarker) {
            self = .wordStart(String(token.dropFirst(wordStartMarker.count)))
        } else if let role = specialRoles[token] {
            self = .special(role)
        } else {
            self = .plain(token)
        }
    }

    /// Tokens compare by their exact Unicode scalars (as Python strings do), not by
    /// Swift's canonical equivalence, so `é` and `e` + combining acute stay distinct.
    public static func == (a: NormalizedToken, b: NormalizedToken) -> Bool {
        switch (a, b) {
        case let (.plain(x), .plain(y)), let (.wordStart(x), .wordStart(y)), let (.special(x), .special(y)):
            return x.utf8.elementsEqual(y.utf8)
        default:
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        let (kind, text): (UInt8, String)
        switch self {
        case .plain(let s): (kind, text) = (0, s)
        case .wordStart(let s): (kind, text) = (1, s)
        case .special(let s): (kind, text) = (2, s)
        }
        hasher.combine(kind)
        for byte in text.utf8 { hasher.combine(byte) }
        hasher.combine(0xFF as UInt8)
    }

    public var description: String {
        switch self {
        case .plain(let s): return s
        case .wordStart(let s): return "▁" + s
        case .special(let role): return "<\(role)>"
        }
    }

    /// The candidates for a prefix match, longest first: every proper prefix (by
    /// Unicode scalar) keeping the word-start flag, stopping at the first prefix
    /// that is only whitespace. Special tokens have none.
    public var prefixes: [NormalizedToken] {
        let text: String
        let wordStart: Bool
        switch self {
        case .special: return []
        case .plain(let s): text = s; wordStart = false
        case .wordStart(let s): text = s; wordStart = true
        }
        let scalars = Array(text.unicodeScalars)
        var result: [NormalizedToken] = []
        var length = scalars.count - 1
        while length > 0 {
            let prefix = scalars[0..<length]
            if prefix.allSatisfy({ $0.properties.isWhitespace }) { break }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: prefix)
            result.append(wordStart ? .wordStart(String(s)) : .plain(String(s)))
            length -= 1
        }
        return result
    }
}
