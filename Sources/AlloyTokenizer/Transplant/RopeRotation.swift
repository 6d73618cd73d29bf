import AlloyFormat
import Foundation

/// RoPE-style rotations of a whole embedding row: the row is cut into `heads` blocks
/// of `headDim` values, and in each block value `i` rotates against value
/// `i + headDim/2` by the angle `position · base^(−2i/headDim)` (the Llama layout).
struct RopeRotation: Sendable {
    let heads: Int
    let headDim: Int
    /// `base^(−2i/headDim)` for `i < headDim/2`.
    let frequencies: [Float]
    /// `√heads · ‖frequencies‖`: the norm of the frequency vector tiled over all heads.
    let tiledNorm: Float

    init(geometry: RopeGeometry, width: Int, role: String) throws {
        guard geometry.heads > 0, width % geometry.heads == 0, (width / geometry.heads) % 2 == 0 else {
            throw AlloyError(.unsupported, code: "rope_geometry",
                             "mp_rope: the \(role)'s rows (\(width) values) do not split into \(geometry.heads) heads of even size",
                             hint: "check num_attention_heads in the \(role)'s config.json, or use another -a method")
        }
        let size = width / geometry.heads
        let frequencies = (0..<(size / 2)).map { i in 1 / Float(pow(geometry.base, Double(2 * i) / Double(size))) }
        heads = geometry.heads
        headDim = size
        self.frequencies = frequencies
        tiledNorm = Float(geometry.heads).squareRoot() * frequencies.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// `x` rotated to `position`.
    func rotate(_ x: UnsafePointer<Float>, position: Float, into out: UnsafeMutablePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            let o = h * headDim
            for i in 0..<half {
                let angle = position * frequencies[i]
                let c = cos(angle), s = sin(angle)
                let a = x[o + i], b = x[o + half + i]
                out[o + i] = a * c - b * s
                out[o + half + i] = b * c + a * s
            }
        }
    }

    /// The position whose rotation of `x0` best matches `x1`: the per-pair angles
    /// `atan2` gives, projected on the tiled frequency vector (a least-squares fit of
    /// `angle ≈ position · frequency`).
    func estimatePosition(_ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, sign: Float) -> Float {
        let half = headDim / 2
        var projection: Float = 0
        for h in 0..<heads {
            let o = h * headDim
            for i in 0..<half {
                let a0 = x0[o + i], b0 = x0[o + half + i]
                let a1 = sign * x1[o + i], b1 = sign * x1[o + half + i]
                let theta = atan2(a0 * b1 - b0 * a1, a0 * a1 + b0 * b1)
                projection += theta * frequencies[i] / (tiledNorm + 1e-8)
            }
        }
        return projection / (tiledNorm + 1e-8)
    }
}
