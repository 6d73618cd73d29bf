import AlloyFormat
/// Rounding to a working dtype as a type, so kernels written once as generic loops
/// are specialised per dtype with the rounding inlined (and vectorised), instead of
/// switching on the dtype for every element.
protocol RoundingRule {
    static func round(_ x: Float) -> Float
}

/// Float32 working dtype: no rounding.
enum NoRounding: RoundingRule {
    @inline(__always) static func round(_ x: Float) -> Float { x }
}

/// bfloat16 working dtype.
enum BFloat16Rounding: RoundingRule {
    @inline(__always) static func round(_ x: Float) -> Float { FloatBits.bf16ToFloat(FloatBits.floatToBF16(x)) }
}

/// float16 working dtype.
enum Float16Rounding: RoundingRule {
    @inline(__always) static func round(_ x: Float) -> Float { FloatBits.f16ToFloat(FloatBits.floatToF16(x)) }
}
