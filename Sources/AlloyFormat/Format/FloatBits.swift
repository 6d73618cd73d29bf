/// Bit-level conversions between `Float` and the 16-bit float formats.
///
/// These never go through Swift's `Float16`, whose conversions are library calls
/// on baseline x86-64 builds; they are exact (decode) and round to nearest, ties to
/// even (encode), with NaN kept NaN.
public enum FloatBits {
    /// bfloat16 bits to `Float` (exact).
    @inline(__always) public static func bf16ToFloat(_ h: UInt16) -> Float {
        Float(bitPattern: UInt32(h) << 16)
    }

    /// `Float` to bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
    @inline(__always) public static func floatToBF16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// IEEE half bits to `Float` (exact, subnormals included).
    @inline(__always) public static func f16ToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h) & 0x3FF
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            // Subnormal or zero: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 5.960_464_5e-08
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// `Float` to IEEE half bits, round to nearest even; overflow gives infinity.
    @inline(__always) public static func floatToF16(_ f: Float) -> UInt16 {
        let denormMagic: UInt32 = ((127 - 15) + (23 - 10) + 1) << 23
        var bits = f.bitPattern
        let sign = bits & 0x8000_0000
        bits ^= sign
        var out: UInt32
        if bits >= (127 + 16) << 23 {
            out = bits > 0x7F80_0000 ? 0x7E00 : 0x7C00
        } else if bits < 113 << 23 {
            let sum = Float(bitPattern: bits) + Float(bitPattern: denormMagic)
            out = sum.bitPattern &- denormMagic
        } else {
            let odd = (bits >> 13) & 1
            bits = bits &+ (UInt32(bitPattern: Int32(15 - 127) << 23) &+ 0xFFF)
            bits = bits &+ odd
            out = bits >> 13
        }
        return UInt16(truncatingIfNeeded: out | (sign >> 16))
    }
}
