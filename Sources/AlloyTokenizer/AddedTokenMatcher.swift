/// Finds added tokens in text: leftmost-longest, non-overlapping matches on
/// UTF-8 bytes, honouring `single_word`, `lstrip` and `rstrip` like `tokenizers`.
struct AddedTokenMatcher: Sendable {
    /// One stretch of the input: either plain text or an added token's id.
    enum Segment: Equatable {
        case text(String)
        case token(Int)
    }

    private struct Pattern: Sendable {
        let bytes: [UInt8]
        let token: AddedToken
    }

    private let patterns: [Pattern]
    private let trie: ByteTrie

    /// `contentFor` gives the string to look for (the normalized content for normalized tokens).
    init(tokens: [AddedToken], contentFor: (AddedToken) -> String = { $0.content }) {
        var trie = ByteTrie()
        var patterns: [Pattern] = []
        for t in tokens {
            let bytes = contentFor(t).bytes
            guard !bytes.isEmpty else { continue }
            trie.insert(bytes, value: patterns.count)
            patterns.append(Pattern(bytes: bytes, token: t))
        }
        self.patterns = patterns
        self.trie = trie
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Splits `text` into plain stretches and matched tokens.
    func split(_ text: String) -> [Segment] {
        guard !patterns.isEmpty, !text.isEmpty else { return text.isEmpty ? [] : [.text(text)] }
        let bytes = text.bytes
        var out: [Segment] = []
        var startOffset = 0
        var pos = 0
        while pos < bytes.count {
            var longest: (index: Int, length: Int)?
            trie.forEachPrefix(of: bytes, from: pos) { index, length in longest = (index, length) }
            guard let match = longest else {
                pos += 1
                continue
            }
            let rawEnd = pos + match.length
            var start = pos, stop = rawEnd
            let token = patterns[match.index].token
            if token.singleWord {
                let before = start == 0 || !Self.lastScalarIsWord(bytes, before: start)
                let after = stop == bytes.count || !Self.firstScalarIsWord(bytes, at: stop)
                if !before || !after { pos = rawEnd; continue }
            }
            if token.lstrip {
                var s = start
                while s > 0, let (scalar, len) = Self.scalar(endingAt: s, in: bytes), UnicodeClasses.isWhitespace(scalar) { s -= len }
                start = max(s, startOffset)
            }
            if token.rstrip {
                while stop < bytes.count, let (scalar, len) = Self.scalar(at: stop, in: bytes), UnicodeClasses.isWhitespace(scalar) { stop += len }
            }
            if startOffset < start { out.append(.text(String(decoding: bytes[startOffset..<start], as: UTF8.self))) }
            out.append(.token(token.id))
            startOffset = stop
            pos = stop
        }
        if startOffset < bytes.count { out.append(.text(String(decoding: bytes[startOffset...], as: UTF8.self))) }
        return out
    }

    private static func scalar(at i: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        let len = UTF8Length.of(bytes[i])
        guard i + len <= bytes.count else { return nil }
        let s = String(decoding: bytes[i..<(i + len)], as: UTF8.self).unicodeScalars
        return s.first.map { ($0, len) }
    }

    private static func scalar(endingAt i: Int, in bytes: [UInt8]) -> (Unicode.Scalar, Int)? {
        var j = i - 1
        while j > 0, bytes[j] & 0xC0 == 0x80 { j -= 1 }
        return scalar(at: j, in: bytes).map { ($0.0, i - j) }
    }

    private static func lastScalarIsWord(_ bytes: [UInt8], before i: Int) -> Bool {
        scalar(endingAt: i, in: bytes).map { UnicodeClasses.isWordCharacter($0.0) } ?? false
    }

    private static func firstScalarIsWord(_ bytes: [UInt8], at i: Int) -> Bool {
        scalar(at: i, in: bytes).map { UnicodeClasses.isWordCharacter($0.0) } ?? false
    }
}
