/// A small IEEE-style floating-point format (fp8 and the like), described by its
/// field widths and by how it spends its top codes on infinity and NaN.
///
/// Decoding goes through a 256-entry table; encoding rounds to nearest, ties to
/// the even code, by a binary search over the positive finite codes (which are
/// ordered like their values). Values beyond the largest finite one become
/// infinity where the format has it and NaN where it does not, and NaN keeps its
/// sign, bit for bit as PyTorch's casts (`c10::Float8_*`) do.
public struct Minifloat: Sendable {
    /// How the format spends its special codes.
    public enum Specials: Sendable {
        /// IEEE: an all-ones exponent is infinity (zero mantissa) or NaN.
        case ieee
        /// "fn" formats (e4m3fn): no infinity; only exponent and mantissa all ones is NaN.
        case finiteAllOnesNaN
        /// "fnuz" formats: no infinity, no negative zero; the code 0x80 is the only NaN.
        case finiteNegativeZeroNaN
        /// Exponent-only scale formats (e8m0): 0xFF is NaN, every other code 2^(e − bias).
        case exponentOnly
    }

    public let exponentBits: Int
    public let mantissaBits: Int
    public let bias: Int
    public let specials: Specials
    /// Decoded value of every 8-bit code.
    public let table: [Float]
    /// The code used for NaN.
    public let nanCode: UInt8
    /// Largest code whose value is positive and finite.
    let maxFiniteCode: Int
    let infinityCode: UInt8?
    let hasSign: Bool

    public static let e4m3fn = Minifloat(exponentBits: 4, mantissaBits: 3, bias: 7, specials: .finiteAllOnesNaN)
    public static let e5m2 = Minifloat(exponentBits: 5, mantissaBits: 2, bias: 15, specials: .ieee)
    public static let e4m3fnuz = Minifloat(exponentBits: 4, mantissaBits: 3, bias: 8, specials: .finiteNegativeZeroNaN)
    public static let e5m2fnuz = Minifloat(exponentBits: 5, mantissaBits: 2, bias: 16, specials: .finiteNegativeZeroNaN)
    public static let e8m0 = Minifloat(exponentBits: 8, mantissaBits: 0, bias: 127, specials: .exponentOnly)

    init(exponentBits: Int, mantissaBits: Int, bias: Int, specials: Specials) {
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.specials = specials
        self.hasSign = specials != .exponentOnly
        var table = [Float](repeating: 0, count: 256)
        for code in 0..<256 {
            table[code] = Minifloat.value(of: code, exponentBits, mantissaBits, bias, specials)
        }
        self.table = table
        switch specials {
        case .ieee:
            // All ones: the NaN PyTorch produces when casting a float NaN.
            nanCode = UInt8((1 << (exponentBits + mantissaBits)) - 1)
            infinityCode = UInt8(((1 << exponentBits) - 1) << mantissaBits)
            maxFiniteCode = Int(infinityCode!) - 1
        case .finiteAllOnesNaN:
            nanCode = 0x7F
            infinityCode = nil
            maxFiniteCode = 0x7E
        case .finiteNegativeZeroNaN:
            nanCode = 0x80
            infinityCode = nil
            maxFiniteCode = 0x7F
        case .exponentOnly:
            nanCode = 0xFF
            infinityCode = nil
            maxFiniteCode = 0xFE
        }
    }

    private static func value(of code: Int, _ e: Int, _ m: Int, _ bias: Int, _ specials: Specials) -> Float {
        if specials == .exponentOnly {
            return code == 0xFF ? .nan : Float(sign: .plus, exponent: code - bias, significand: 1)
        }
        let negative = code & 0x80 != 0
        let exponent = (code >> m) & ((1 << e) - 1)
        let mantissa = code & ((1 << m) - 1)
        let allOnesExponent = exponent == (1 << e) - 1
        switch specials {
        case .ieee where allOnesExponent:
            return mantissa == 0 ? (negative ? -.infinity : .infinity) : .nan
        case .finiteAllOnesNaN where allOnesExponent && mantissa == (1 << m) - 1:
            return .nan
        case .finiteNegativeZeroNaN where code == 0x80:
            return .nan
        default:
            break
        }
        let magnitude: Float
        if exponent == 0 {
            magnitude = Float(mantissa) * Float(sign: .plus, exponent: 1 - bias - m, significand: 1)
        } else {
            magnitude = (1 + Float(mantissa) / Float(1 << m)) * Float(sign: .plus, exponent: exponent - bias, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }

    /// `code` with the sign bit set for negative values, where the format has a sign
    /// for its specials (PyTorch keeps the sign of NaN in e4m3fn and e5m2).
    private func signed(_ code: UInt8, _ negative: Bool) -> UInt8 {
        negative && (specials == .ieee || specials == .finiteAllOnesNaN) ? code | 0x80 : code
    }

    /// The value of `code`.
    @inline(__always) public func decode(_ code: UInt8) -> Float { table[Int(code)] }

    /// The code nearest to `x` (ties to even), with PyTorch's overflow behaviour.
    public func encode(_ x: Float) -> UInt8 {
        let negative = x.sign == .minus
        if x.isNaN { return signed(nanCode, negative) }
        let a = abs(x)
        var code: Int
        if specials == .exponentOnly {
            // The nearest power of two by value, ties up; negative values have no code.
            if a == 0 || !negative && a < table[0] / 2 { return 0 }
            if negative { return nanCode }
            if a.isInfinite { return nanCode }
            var lo = 0, hi = maxFiniteCode
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if table[mid] <= a { lo = mid } else { hi = mid - 1 }
            }
            code = lo
            if code < maxFiniteCode, a - table[code] >= table[code + 1] - a { code += 1 }
            return UInt8(code)
        }
        let maxValue = table[maxFiniteCode]
        if a > maxValue {
            let step = maxValue - table[maxFiniteCode - 1]
            let midpoint = maxValue + step / 2
            let maxIsOdd = maxFiniteCode & 1 == 1
            if a > midpoint || (a == midpoint && maxIsOdd) || a.isInfinite {
                return signed(infinityCode ?? nanCode, negative)
            }
            code = maxFiniteCode
        } else {
            var lo = 0, hi = maxFiniteCode
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if table[mid] <= a { lo = mid } else { hi = mid - 1 }
            }
            code = lo
            if code < maxFiniteCode {
                let below = a - table[code], above = table[code + 1] - a
                if above < below || (above == below && code & 1 == 1) { code += 1 }
            }
        }
        if negative {
            if specials == .finiteNegativeZeroNaN && code == 0 { return 0 }
            return UInt8(code | 0x80)
        }
        return UInt8(code)
    }
}
