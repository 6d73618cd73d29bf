import AlloyFormat
/// Rounding to the working dtype of a merge, so that arithmetic done in Float32
/// can mirror, step by step, mergekit's arithmetic in bfloat16 or float16
/// (where every tensor operation rounds its result to the working dtype).
///
/// With a Float32 (or unknown) working dtype rounding is the identity.
public struct WorkingPrecision: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case exact, bfloat16, float16 }
    public let kind: Kind

    /// The precision of `dtype`: half-precision types round, everything else is exact.
    public init(_ dtype: DType?) {
        switch dtype {
        case .BF16?: kind = .bfloat16
        case .F16?: kind = .float16
        default: kind = .exact
        }
    }

    public static let exact = WorkingPrecision(nil)

    /// `x` rounded to the working dtype (round to nearest even).
    @inline(__always) public func round(_ x: Float) -> Float {
        switch kind {
        case .exact: return x
        case .bfloat16: return FloatBits.bf16ToFloat(FloatBits.floatToBF16(x))
        case .float16: return FloatBits.f16ToFloat(FloatBits.floatToF16(x))
        }
    }

    /// A `Double` rounded to Float32 and then to the working dtype.
    @inline(__always) public func round(_ x: Double) -> Float { round(Float(x)) }

    /// Rounds every element in place.
    public func round(_ values: UnsafeMutableBufferPointer<Float>) {
        switch kind {
        case .exact: return
        case .bfloat16: Self.roundBF16(values)
        case .float16: Self.roundF16(values)
        }
    }

    /// Rounds every element of an array in place.
    public func round(_ values: inout [Float]) {
        guard kind != .exact else { return }
        values.withUnsafeMutableBufferPointer { round($0) }
    }

    @inline(never) static func roundBF16(_ v: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<v.count { v[i] = FloatBits.bf16ToFloat(FloatBits.floatToBF16(v[i])) }
    }

    @inline(never) static func roundF16(_ v: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<v.count { v[i] = FloatBits.f16ToFloat(FloatBits.floatToF16(v[i])) }
    }
}
