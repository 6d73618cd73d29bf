import Foundation

/// Spherical interpolation helpers (SLERP between vectors of a tensor).
public enum Spherical {
    /// mergekit's `nuslerp`: for every vector of `layout`, normalise both inputs
    /// (norm clamped at 1e-7), `θ = acos(clamp(û₀·û₁))`, and return
    /// `[sin((1−t)θ)·v₀ + sin(tθ)·v₁] / sin θ` on the unnormalised vectors; vectors
    /// with `|sin θ| < 1e-8` are linearly interpolated instead.
    public static func nuslerp(t: Double, _ v0: [Float], _ v1: [Float], layout: VectorLayout, precision p: WorkingPrecision) -> [Float] {
        var out = [Float](repeating: 0, count: v0.count)
        v0.withUnsafeBufferPointer { a in
            v1.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    for v in 0..<layout.count {
                        nuslerpVector(t: t, a, b, o, start: layout.start(v), step: layout.step, length: layout.length, precision: p)
                    }
                }
            }
        }
        return out
    }

    @inline(never)
    static func nuslerpVector(t: Double, _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                              _ o: UnsafeMutableBufferPointer<Float>, start: Int, step: Int, length: Int, precision p: WorkingPrecision) {
        let na = max(p.round(VectorKernels.norm(a, start: start, step: step, count: length)), p.round(Float(1e-7)))
        let nb = max(p.round(VectorKernels.norm(b, start: start, step: step, count: length)), p.round(Float(1e-7)))
        var dot: Double = 0
        var i = start
        for _ in 0..<length {
            dot += Double(p.round(p.round(a[i] / na) * p.round(b[i] / nb)))
            i += step
        }
        let cosine = min(1, max(-1, p.round(dot)))
        let theta = p.round(Foundation.acos(cosine))
        let sinTheta = p.round(Foundation.sin(theta))
        let s = Float(1 - t), u = Float(t)
        i = start
        if abs(sinTheta) < 1e-8 {
            for _ in 0..<length {
                o[i] = p.round(p.round(s * a[i]) + p.round(u * b[i]))
                i += step
            }
            return
        }
        let ca = p.round(Foundation.sin(p.round(s * theta)))
        let cb = p.round(Foundation.sin(p.round(u * theta)))
        for _ in 0..<length {
            o[i] = p.round(p.round(p.round(ca * a[i]) + p.round(cb * b[i])) / sinTheta)
            i += step
        }
    }
}
