/// Decimal → `Double` the way `serde_json` reads numbers by default (without its
/// `float_roundtrip` feature), which is how `tokenizers` reads Unigram scores:
/// up to 19-20 significant digits are gathered into a `UInt64` (later digits are
/// dropped), converted to `Double`, then multiplied or divided by a power of ten.
/// That can be one ulp away from the correctly rounded value, and Unigram ties
/// depend on those last bits, so the encoder must read scores the same way.
enum SerdeFloat {
    static let powersOfTen: [Double] = (0...308).map { Double("1e\($0)")! }

    static func parse(_ text: String) -> Double? {
        var bytes = Array(text.utf8)[...]
        var positive = true
        if bytes.first == UInt8(ascii: "-") { positive = false; bytes = bytes.dropFirst() }
        var significand: UInt64 = 0
        var exponent = 0
        var overflowed = false
        var sawDigit = false
        var afterPoint = false
        while let c = bytes.first {
            if c == UInt8(ascii: ".") {
                guard !afterPoint else { return nil }
                afterPoint = true
                bytes = bytes.dropFirst()
                continue
            }
            guard c >= 48 && c <= 57 else { break }
            sawDigit = true
            let digit = UInt64(c - 48)
            if !overflowed {
                let (m, o1) = significand.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(digit)
                if o1 || o2 {
                    overflowed = true
                } else {
                    significand = s
                    if afterPoint { exponent -= 1 }
                }
            }
            if overflowed && !afterPoint { exponent += 1 }
            bytes = bytes.dropFirst()
        }
        guard sawDigit else { return nil }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            guard let exp = Int(String(decoding: bytes.dropFirst(), as: UTF8.self).replacingPlus()) else { return nil }
            exponent += exp
        } else if !bytes.isEmpty {
            return nil
        }
        var f = Double(significand)
        while true {
            let k = abs(exponent)
            if k < powersOfTen.count {
                if exponent >= 0 { f *= powersOfTen[k] } else { f /= powersOfTen[k] }
                break
            }
            if f == 0 { break }
            if exponent >= 0 { return .infinity }
            f /= 1e308
            exponent += 308
        }
        return positive ? f : -f
    }
}

private extension String {
    func replacingPlus() -> String { hasPrefix("+") ? String(dropFirst()) : self }
}
