import AlloyFormat
import Foundation

/// A `tokenizer.json` normalizer: rewrites text before pre-tokenization.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case strip(left: Bool, right: Bool)
    case stripAccents
    case replace(TokenizerPattern, String)
    case prepend(String)
    case append(String)
    case byteLevel
    case nmt
    case bert(cleanText: Bool, chineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case precompiled(PrecompiledCharsMap)
    case sequence([Normalizer])

    /// Reads a normalizer object; `null` gives nil.
    static func parse(_ json: JSONValue?, file: String) throws -> Normalizer? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw AlloyError.tokenizer(file, "normalizer without a type") }
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(left: json["strip_left"]?.boolValue ?? true, right: json["strip_right"]?.boolValue ?? true)
        case "StripAccents": return .stripAccents
        case "Replace":
            return .replace(try TokenizerPattern(json: json["pattern"], file: file), json["content"]?.stringValue ?? "")
        case "Prepend": return .prepend(json["prepend"]?.stringValue ?? "")
        case "Append": return .append(json["append"]?.stringValue ?? "")
        case "ByteLevel": return .byteLevel
        case "Nmt": return .nmt
        case "BertNormalizer":
            let lower = json["lowercase"]?.boolValue ?? true
            let strip = json["strip_accents"].flatMap { $0.isNull ? nil : $0.boolValue } ?? lower
            return .bert(cleanText: json["clean_text"]?.boolValue ?? true,
                         chineseChars: json["handle_chinese_chars"]?.boolValue ?? true,
                         stripAccents: strip, lowercase: lower)
        case "Precompiled":
            return .precompiled(try PrecompiledCharsMap(base64: json["precompiled_charsmap"]?.stringValue ?? "", file: file))
        case "Sequence":
            let items = json["normalizers"]?.arrayValue ?? []
            return .sequence(try items.compactMap { try parse($0, file: file) })
        default:
            throw AlloyError.unsupportedTokenizer(file, "normalizer type \(type) is not supported")
        }
    }

    /// Applies the normalizer to `text`.
    func apply(_ text: String) -> String {
        switch self {
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return Normalizer.lowercase(text)
        case .strip(let left, let right):
            var scalars = Array(text.unicodeScalars)
            if right { while let last = scalars.last, UnicodeClasses.isWhitespace(last) { scalars.removeLast() } }
            var start = 0
            if left { while start < scalars.count, UnicodeClasses.isWhitespace(scalars[start]) { start += 1 } }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start...])
            return String(view)
        case .stripAccents: return Normalizer.removeMarks(text)
        case .replace(let pattern, let content):
            let matches = pattern.matches(in: text)
            guard !matches.isEmpty else { return text }
            var out = String.UnicodeScalarView()
            let scalars = text.unicodeScalars
            var cursor = text.startIndex
            for m in matches {
                out.append(contentsOf: scalars[cursor..<m.lowerBound])
                out.append(contentsOf: content.unicodeScalars)
                cursor = m.upperBound
            }
            out.append(contentsOf: scalars[cursor...])
            return String(out)
        case .prepend(let p): return text.isEmpty ? text : p + text
        case .append(let p): return text.isEmpty ? text : text + p
        case .byteLevel: return ByteLevelAlphabet.encode(text)
        case .nmt: return Normalizer.nmt(text)
        case .bert(let clean, let chinese, let strip, let lower):
            var scalars = String.UnicodeScalarView()
            for s in text.unicodeScalars {
                if clean {
                    if s.value == 0 || s.value == 0xFFFD || Normalizer.isBertControl(s) { continue }
                    if UnicodeClasses.isWhitespace(s) { scalars.append(" "); continue }
                }
                if chinese, UnicodeClasses.isCJK(s) {
                    scalars.append(" "); scalars.append(s); scalars.append(" ")
                    continue
                }
                scalars.append(s)
            }
            var out = String(scalars)
            if strip { out = Normalizer.removeMarks(out.decomposedStringWithCanonicalMapping) }
            if lower { out = Normalizer.lowercase(out) }
            return out
        case .precompiled(let map): return map.normalize(text)
        case .sequence(let items): return items.reduce(text) { $1.apply($0) }
        }
    }

    /// Per-character full lowercase mapping (Rust `char::to_lowercase`).
    static func lowercase(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            if s.isASCII {
                out.unicodeScalars.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else {
                out += s.properties.lowercaseMapping
            }
        }
        return out
    }

    static func removeMarks(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: scalars.append(s)
            }
        }
        return String(scalars)
    }

    static func isBertControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    static func nmt(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            switch s.value {
            case 0x0001...0x0008, 0x000B, 0x000E...0x001F, 0x007F, 0x008F, 0x009F: continue
            case 0x0009, 0x000A, 0x000C, 0x000D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                scalars.append(" ")
            default: scalars.append(s)
            }
        }
        return String(scalars)
    }
}
