/// Character classes as the regex engines and Rust's `char` methods that
/// Hugging Face `tokenizers` relies on define them.
enum UnicodeClasses {
    /// `\p{L}`: any letter category.
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: any number category.
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s` / Rust `char::is_whitespace`: the Unicode White_Space property.
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// Rust `char::is_alphanumeric`: Alphabetic or a number category.
    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || isNumber(s) }

    /// `\p{P}` plus ASCII punctuation, as the `Punctuation`/`Bert` pre-tokenizers test it.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII, let b = UInt8(exactly: s.value) {
            return (33...47).contains(b) || (58...64).contains(b) || (91...96).contains(b) || (123...126).contains(b)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// `\w` in the `Whitespace` pre-tokenizer's `\w+|[^\w\s]+`.
    static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        if s == "_" { return true }
        if s.properties.isAlphabetic || isNumber(s) { return true }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return s.properties.isJoinControl
        }
    }

    /// Chinese/Japanese/Korean ideographs, as BERT's normalizer pads them with spaces.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
