import AlloyFormat
import Foundation

/// A pattern from `tokenizer.json` (`{"Regex": ...}` or `{"String": ...}`) that
/// finds the non-overlapping matches in a text, as the `tokenizers` library does.
struct TokenizerPattern: @unchecked Sendable {
    private enum Kind {
        case literal([UInt8])
        case regex(NSRegularExpression)
        case gpt2
    }

    private let kind: Kind

    /// The GPT-2 split pattern, matched by a hand-written scanner.
    static let gpt2 = TokenizerPattern(kind: .gpt2)

    private init(kind: Kind) { self.kind = kind }

    /// A literal string pattern.
    init(literal: String) { kind = .literal(Array(literal.utf8)) }

    /// A regular expression in the Oniguruma dialect `tokenizers` uses.
    init(regex: String, file: String) throws {
        if regex == TokenizerPattern.gpt2Source {
            kind = .gpt2
            return
        }
        do {
            kind = .regex(try NSRegularExpression(pattern: TokenizerPattern.translate(regex)))
        } catch {
            throw AlloyError.unsupportedTokenizer(file, "cannot compile the regular expression \(regex.debugDescription)")
        }
    }

    /// Reads `{"Regex": "..."}` or `{"String": "..."}`.
    init(json: JSONValue?, file: String) throws {
        if let r = json?["Regex"]?.stringValue {
            try self.init(regex: r, file: file)
        } else if let s = json?["String"]?.stringValue {
            self.init(literal: s)
        } else {
            throw AlloyError.tokenizer(file, "a pattern must be {\"Regex\": ...} or {\"String\": ...}")
        }
    }

    static let gpt2Source = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

    /// Oniguruma's `\s` is the White_Space property, ICU's lacks U+000B and U+0085: widen it.
    static func translate(_ pattern: String) -> String {
        var out = ""
        var inClass = false
        var chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let n = chars[i + 1]
                if n == "s" {
                    out += inClass ? "\\s\\x{0B}\\x{85}" : "[\\s\\x{0B}\\x{85}]"
                } else if n == "S", !inClass {
                    out += "[^\\s\\x{0B}\\x{85}]"
                } else {
                    out.append(c)
                    out.append(n)
                }
                i += 2
                continue
            }
            if c == "[" { inClass = true } else if c == "]" { inClass = false }
            out.append(c)
            i += 1
        }
        chars.removeAll()
        return out
    }

    /// Ranges of `text`'s matches, in order.
    func matches(in text: String) -> [Range<String.Index>] {
        switch kind {
        case .gpt2:
            return GPT2Splitter.matches(in: text)
        case .literal(let needle):
            return literalMatches(needle, in: text)
        case .regex(let re):
            // UTF-16 offsets → scalar-aligned indices (a match may end inside a Character).
            let utf16 = text.utf16
            return re.matches(in: text, range: NSRange(location: 0, length: utf16.count)).compactMap { m in
                guard m.range.length > 0 else { return nil }
                let lo = utf16.index(utf16.startIndex, offsetBy: m.range.location)
                let hi = utf16.index(lo, offsetBy: m.range.length)
                return lo..<hi
            }
        }
    }

    private func literalMatches(_ needle: [UInt8], in text: String) -> [Range<String.Index>] {
        guard !needle.isEmpty else { return [] }
        let bytes = Array(text.utf8)
        var out: [Range<String.Index>] = []
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) {
                let lo = text.utf8.index(text.startIndex, offsetBy: i)
                let hi = text.utf8.index(lo, offsetBy: needle.count)
                out.append(lo..<hi)
                i += needle.count
            } else {
                i += 1
            }
        }
        return out
    }
}

/// The GPT-2 pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// as a scanner over Unicode scalars (every position is covered by some match).
enum GPT2Splitter {
    static func matches(in text: String) -> [Range<String.Index>] {
        let scalars = text.unicodeScalars
        var idx: [String.Index] = []
        idx.reserveCapacity(scalars.count + 1)
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(scalars.count)
        var i = scalars.startIndex
        while i != scalars.endIndex {
            idx.append(i)
            s.append(scalars[i])
            i = scalars.index(after: i)
        }
        idx.append(scalars.endIndex)
        var out: [Range<String.Index>] = []
        var p = 0
        let n = s.count
        while p < n {
            let end = matchEnd(s, p)
            out.append(idx[p]..<idx[end])
            p = end
        }
        return out
    }

    private static func matchEnd(_ s: [Unicode.Scalar], _ p: Int) -> Int {
        let n = s.count
        if s[p] == "'" , p + 1 < n {
            let a = s[p + 1]
            if a == "s" || a == "t" || a == "m" || a == "d" { return p + 2 }
            if p + 2 < n {
                let b = s[p + 2]
                if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return p + 3 }
            }
        }
        let q = s[p] == " " ? p + 1 : p
        if q < n {
            let c = s[q]
            if UnicodeClasses.isLetter(c) { return run(s, q, UnicodeClasses.isLetter) }
            if UnicodeClasses.isNumber(c) { return run(s, q, UnicodeClasses.isNumber) }
            let other: (Unicode.Scalar) -> Bool = {
                !UnicodeClasses.isWhitespace($0) && !UnicodeClasses.isLetter($0) && !UnicodeClasses.isNumber($0)
            }
            if other(c) { return run(s, q, other) }
        }
        if UnicodeClasses.isWhitespace(s[p]) {
            let k = run(s, p, UnicodeClasses.isWhitespace)
            if k == n || k - 1 == p { return k }
            return k - 1
        }
        return p + 1
    }

    private static func run(_ s: [Unicode.Scalar], _ from: Int, _ test: (Unicode.Scalar) -> Bool) -> Int {
        var k = from
        while k < s.count, test(s[k]) { k += 1 }
        return k
    }
}
