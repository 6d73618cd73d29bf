import AlloyFormat
/// A piece of text on its way through pre-tokenization. `atStart` marks the
/// piece that begins at offset 0 of the original input (Metaspace's "first" scheme).
struct TextPiece: Sendable {
    var text: String
    var atStart: Bool
}

/// A `tokenizer.json` pre-tokenizer: splits (and may rewrite) text into words.
indirect enum PreTokenizer: Sendable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case whitespace
    case whitespaceSplit
    case metaspace(replacement: String, prepend: MetaspacePrepend, split: Bool)
    case split(TokenizerPattern, SplitBehavior, invert: Bool)
    case digits(individual: Bool)
    case punctuation(SplitBehavior)
    case bert
    case charDelimiter(Character)
    case sequence([PreTokenizer])

    enum MetaspacePrepend: String, Sendable { case always, first, never }

    static func parse(_ json: JSONValue?, file: String) throws -> PreTokenizer? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw AlloyError.tokenizer(file, "pre_tokenizer without a type") }
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: json["add_prefix_space"]?.boolValue ?? true,
                              useRegex: json["use_regex"]?.boolValue ?? true)
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Metaspace":
            let replacement = json["replacement"]?.stringValue ?? json["str_rep"]?.stringValue ?? "\u{2581}"
            var prepend = MetaspacePrepend.always
            if let scheme = json["prepend_scheme"]?.stringValue {
                guard let p = MetaspacePrepend(rawValue: scheme) else {
                    throw AlloyError.tokenizer(file, "unknown Metaspace prepend_scheme \(scheme)")
                }
                prepend = p
            } else if let add = json["add_prefix_space"]?.boolValue {
                prepend = add ? .always : .never
            }
            return .metaspace(replacement: replacement, prepend: prepend, split: json["split"]?.boolValue ?? true)
        case "Split":
            return .split(try TokenizerPattern(json: json["pattern"], file: file),
                          try SplitBehavior(json: json["behavior"], file: file, default: .isolated),
                          invert: json["invert"]?.boolValue ?? false)
        case "Digits": return .digits(individual: json["individual_digits"]?.boolValue ?? false)
        case "Punctuation": return .punctuation(try SplitBehavior(json: json["behavior"], file: file, default: .isolated))
        case "BertPreTokenizer": return .bert
        case "CharDelimiterSplit":
            guard let d = json["delimiter"]?.stringValue, let c = d.first else {
                throw AlloyError.tokenizer(file, "CharDelimiterSplit without a delimiter")
            }
            return .charDelimiter(c)
        case "Sequence":
            return .sequence(try (json["pretokenizers"]?.arrayValue ?? []).compactMap { try parse($0, file: file) })
        default:
            throw AlloyError.unsupportedTokenizer(file, "pre_tokenizer type \(type) is not supported")
        }
    }

    /// Splits every piece.
    func apply(_ pieces: [TextPiece]) -> [TextPiece] {
        if case .sequence(let items) = self { return items.reduce(pieces) { $1.apply($0) } }
        var out: [TextPiece] = []
        for piece in pieces {
            let parts = split(piece)
            for (k, p) in parts.enumerated() { out.append(TextPiece(text: p, atStart: piece.atStart && k == 0)) }
        }
        return out
    }

    private func split(_ piece: TextPiece) -> [String] {
        let text = piece.text
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            var t = text
            if addPrefixSpace, !t.bytesHavePrefix(" ") { t = " " + t }
            let words = useRegex ? SplitBehavior.isolated.split(t, at: GPT2Splitter.matches(in: t)) : [t]
            return words.map(ByteLevelAlphabet.encode)
        case .whitespace:
            return Self.runs(text, keep: { $0 != .space }, classify: { s in
                UnicodeClasses.isWhitespace(s) ? .space : (UnicodeClasses.isWordCharacter(s) ? .word : .other)
            })
        case .whitespaceSplit:
            return Self.runs(text, keep: { $0 != .space }, classify: { UnicodeClasses.isWhitespace($0) ? .space : .word })
        case .metaspace(let replacement, let prepend, let split):
            var t = text.replacingScalar(" ", with: replacement)
            let shouldPrepend = prepend == .always || (prepend == .first && piece.atStart)
            if shouldPrepend, !t.bytesHavePrefix(replacement) { t = replacement + t }
            guard split else { return t.isEmpty ? [] : [t] }
            return SplitBehavior.mergedWithNext.split(t, at: TokenizerPattern(literal: replacement).matches(in: t))
        case .split(let pattern, let behavior, let invert):
            return behavior.split(text, at: pattern.matches(in: text), invert: invert)
        case .digits(let individual):
            let matches = Self.scalarMatches(text, UnicodeClasses.isNumber, joinRuns: !individual)
            return SplitBehavior.isolated.split(text, at: matches)
        case .punctuation(let behavior):
            return behavior.split(text, at: Self.scalarMatches(text, UnicodeClasses.isPunctuation, joinRuns: false))
        case .bert:
            let words = SplitBehavior.removed.split(text, at: Self.scalarMatches(text, UnicodeClasses.isWhitespace, joinRuns: false))
            return words.flatMap {
                SplitBehavior.isolated.split($0, at: Self.scalarMatches($0, UnicodeClasses.isPunctuation, joinRuns: false))
            }
        case .charDelimiter(let c):
            return SplitBehavior.removed.split(text, at: TokenizerPattern(literal: String(c)).matches(in: text))
        case .sequence:
            return [text]
        }
    }

    private enum RunClass { case space, word, other }

    /// Maximal runs of same-class scalars, keeping the classes `keep` accepts.
    private static func runs(_ text: String, keep: (RunClass) -> Bool, classify: (Unicode.Scalar) -> RunClass) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var currentClass: RunClass?
        for s in text.unicodeScalars {
            let c = classify(s)
            if c != currentClass {
                if let cc = currentClass, keep(cc), !current.isEmpty { out.append(String(current)) }
                current = String.UnicodeScalarView()
                currentClass = c
            }
            current.append(s)
        }
        if let cc = currentClass, keep(cc), !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// Ranges of single scalars (or maximal runs) that pass `test`.
    private static func scalarMatches(_ text: String, _ test: (Unicode.Scalar) -> Bool, joinRuns: Bool) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while i != scalars.endIndex {
            let next = scalars.index(after: i)
            if test(scalars[i]) {
                if joinRuns, let last = out.last, last.upperBound == i {
                    out[out.count - 1] = last.lowerBound..<next
                } else {
                    out.append(i..<next)
                }
            }
            i = next
        }
        return out
    }
}
