/// Byte-exact string helpers: Swift's `String` compares by canonical
/// equivalence and `Character`, tokenizers compare UTF-8 bytes.
extension String {
    /// True when the UTF-8 bytes of `self` start with those of `prefix`.
    func bytesHavePrefix(_ prefix: String) -> Bool {
        var a = utf8.makeIterator()
        for b in prefix.utf8 { guard a.next() == b else { return false } }
        return true
    }

    /// Replaces every occurrence of the scalar `target` with `replacement`.
    func replacingScalar(_ target: Unicode.Scalar, with replacement: String) -> String {
        guard unicodeScalars.contains(target) else { return self }
        var out = String.UnicodeScalarView()
        for s in unicodeScalars {
            if s == target { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(s) }
        }
        return String(out)
    }

    /// The UTF-8 bytes as an array (a dictionary key that compares bytes, not characters).
    var bytes: [UInt8] { Array(utf8) }
}
