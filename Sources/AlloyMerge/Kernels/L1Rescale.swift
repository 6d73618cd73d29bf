/// Rescaling of a sparsified tensor so its L1 norm matches the dense tensor's
/// (mergekit's `rescale: true`): one scalar factor for the whole tensor.
public enum L1Rescale {
    /// Norms below this leave the masked tensor unscaled.
    public static let epsilon = 1e-7

    /// Multiplies `masked` by `‖dense‖₁ / ‖masked‖₁`, given the dense tensor's L1 norm.
    /// The norms, the factor and the product are rounded to `precision` as mergekit does
    /// in a half-precision working dtype.
    public static func apply(_ masked: UnsafeMutableBufferPointer<Float>, denseL1: Double, precision: WorkingPrecision) {
        guard let f = factor(denseL1: denseL1, maskedL1: l1(UnsafeBufferPointer(masked)), precision: precision) else { return }
        scale(masked, by: f, precision: precision)
    }

    /// `‖dense‖₁ / ‖masked‖₁` with the norms and the quotient rounded to `precision`;
    /// nil (leave unscaled) when either norm is below `epsilon`.
    public static func factor(denseL1: Double, maskedL1: Double, precision: WorkingPrecision) -> Float? {
        let before = Double(precision.round(denseL1))
        let after = Double(precision.round(maskedL1))
        if before < epsilon || after < epsilon { return nil }
        return precision.round(before / after)
    }

    /// Σ|x| accumulated in Double.
    @inline(never) public static func l1(_ v: UnsafeBufferPointer<Float>) -> Double {
        var s: Double = 0
        for i in 0..<v.count { s += Double(abs(v[i])) }
        return s
    }

    @inline(never) static func scale(_ v: UnsafeMutableBufferPointer<Float>, by f: Float, precision: WorkingPrecision) {
        for i in 0..<v.count { v[i] = v[i] * f }
        precision.round(v)
    }
}
