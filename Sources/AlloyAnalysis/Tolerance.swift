import AlloyFormat
/// How far two values may be apart and still count as equal:
/// `|a − b| ≤ atol + rtol · max(|a|, |b|)`.
public struct Tolerance: Sendable, Equatable {
    public var atol: Double
    public var rtol: Double

    public init(atol: Double, rtol: Double) {
        self.atol = atol
        self.rtol = rtol
    }

    /// Exact equality.
    public static let exact = Tolerance(atol: 0, rtol: 0)

    /// The default for values stored as `dtype`: loose enough that two tensors
    /// differing only by rounding to that dtype compare equal.
    ///
    /// The 16- and 32-bit float figures are `torch.testing.assert_close`'s defaults
    /// (bf16's rtol 1.6e-2 is about two units in the last place); fp8 formats allow
    /// two units in the last place (2^(1 − mantissa bits)) and their smallest
    /// subnormal absolutely; integers, booleans and exponent-only scales must match.
    public static func defaultFor(_ dtype: DType) -> Tolerance {
        switch dtype {
        case .F64: return Tolerance(atol: 1e-7, rtol: 1e-7)
        case .F32: return Tolerance(atol: 1e-5, rtol: 1.3e-6)
        case .F16: return Tolerance(atol: 1e-5, rtol: 1e-3)
        case .BF16: return Tolerance(atol: 1e-5, rtol: 1.6e-2)
        case .F8_E4M3: return Tolerance(atol: 0x1p-9, rtol: 0.25)
        case .F8_E4M3FNUZ: return Tolerance(atol: 0x1p-10, rtol: 0.25)
        case .F8_E5M2: return Tolerance(atol: 0x1p-16, rtol: 0.5)
        case .F8_E5M2FNUZ: return Tolerance(atol: 0x1p-17, rtol: 0.5)
        case .F8_E8M0, .BOOL, .U8, .I8, .I16, .U16, .I32, .U32, .I64, .U64: return .exact
        case .F4, .F6_E2M3, .F6_E3M2, .C64: return .exact
        }
    }

    /// The default for comparing a tensor stored as `a` with one stored as `b`:
    /// the looser of the two dtypes' defaults.
    public static func defaultFor(_ a: DType, _ b: DType) -> Tolerance {
        let x = defaultFor(a), y = defaultFor(b)
        return Tolerance(atol: max(x.atol, y.atol), rtol: max(x.rtol, y.rtol))
    }
}
