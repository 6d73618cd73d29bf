import AlloyFormat
/// What a pre-tokenizer does with the pieces its pattern matched
/// (`tokenizers`' `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    init(json: JSONValue?, file: String, default value: SplitBehavior) throws {
        guard let json else { self = value; return }
        guard let s = json.stringValue, let b = SplitBehavior(rawValue: s) else {
            throw AlloyError.tokenizer(file, "unknown split behavior \(json)")
        }
        self = b
    }

    /// Splits `text` at `matches` (ordered, non-overlapping), treating matches as
    /// delimiters (or the opposite when `invert`), and returns the non-empty pieces.
    func split(_ text: String, at matches: [Range<String.Index>], invert: Bool = false) -> [String] {
        var parts: [(Range<String.Index>, Bool)] = []
        var cursor = text.startIndex
        for m in matches {
            if cursor < m.lowerBound { parts.append((cursor..<m.lowerBound, invert)) }
            parts.append((m, !invert))
            cursor = m.upperBound
        }
        if cursor < text.endIndex { parts.append((cursor..<text.endIndex, invert)) }

        var out: [Range<String.Index>] = []
        switch self {
        case .removed:
            out = parts.filter { !$0.1 }.map(\.0)
        case .isolated:
            out = parts.map(\.0)
        case .contiguous:
            var previousMatch = false
            for (r, isMatch) in parts {
                if isMatch, previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithPrevious:
            var previousMatch = false
            for (r, isMatch) in parts {
                if isMatch, !previousMatch, let last = out.last {
                    out[out.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (r, isMatch) in parts.reversed() {
                if isMatch, !previousMatch, let last = out.last {
                    out[out.count - 1] = r.lowerBound..<last.upperBound
                } else {
                    out.append(r)
                }
                previousMatch = isMatch
            }
            out.reverse()
        }
        return out.map { String(text.unicodeScalars[$0]) }.filter { !$0.isEmpty }
    }
}
