import AlloyFormat
import CBLAS
import Foundation

/// The element-wise pieces of a decoder forward pass, as plain loops over
/// buffers in non-inlined functions (LLVM vectorises them), plus the one GEMM
/// shape every projection uses.
enum InferenceKernels {
    /// `y[r] = x[r] / rms(x[r])` for each of `rows` rows of `width` values (RMSNorm before
    /// its weight, computed in Float32 as the reference does after upcasting).
    @inline(never)
    static func rmsNormalize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int, eps: Float) {
        for r in 0..<rows {
            let row = x + r * width, out = y + r * width
            var sum: Float = 0
            for i in 0..<width { sum += row[i] * row[i] }
            let scale = 1 / (sum / Float(width) + eps).squareRoot()
            for i in 0..<width { out[i] = row[i] * scale }
        }
    }

    /// `y[r][i] *= weight[i]` for each of `rows` rows of `width` values.
    @inline(never)
    static func scaleColumns(_ y: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r * width
            for i in 0..<width { row[i] *= weight[i] }
        }
    }

    /// `a[i] = silu(a[i])`.
    @inline(never)
    static func silu(_ a: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = a[i]
            a[i] = g / (1 + expf(-g))
        }
    }

    /// `a[i] *= b[i]`.
    @inline(never)
    static func multiply(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { a[i] *= b[i] }
    }

    /// `rotate` with every product and sum rounded by `round`, as a framework computing
    /// `x·cos + rotate_half(x)·sin` in a low-precision dtype does.
    @inline(never)
    static func rotateRounded(_ v: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, half: Int,
                              round: (Float) -> Float) {
        for i in 0..<half {
            let x1 = v[i], x2 = v[i + half]
            v[i] = round(round(x1 * cos[i]) + round(-x2 * sin[i]))
            v[i + half] = round(round(x2 * cos[i]) + round(x1 * sin[i]))
        }
    }

    /// Rounds `count` values in place with `round`.
    @inline(never)
    static func round(_ v: UnsafeMutablePointer<Float>, count: Int, _ round: (Float) -> Float) {
        for i in 0..<count { v[i] = round(v[i]) }
    }

    /// The scalar rounding to `dtype` (nil for Float32 or a dtype Alloy cannot encode).
    static func scalarRounding(_ dtype: DType?) -> ((Float) -> Float)? {
        switch dtype {
        case .BF16?: return { FloatBits.bf16ToFloat(FloatBits.floatToBF16($0)) }
        case .F16?: return { FloatBits.f16ToFloat(FloatBits.floatToF16($0)) }
        default: return nil
        }
    }

    /// `a[i] = silu(a[i]) * b[i]` (SwiGLU's gate).
    @inline(never)
    static func siluMultiply(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = a[i]
            a[i] = g / (1 + expf(-g)) * b[i]
        }
    }

    /// `a[i] += b[i]`.
    @inline(never)
    static func add(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { a[i] += b[i] }
    }

    /// Adds `bias` (length `width`) to each of `rows` rows.
    @inline(never)
    static func addBias(_ a: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = a + r * width
            for i in 0..<width { row[i] += bias[i] }
        }
    }

    /// Rotates one head vector in place (the rotate-half convention: dimension `i`
    /// pairs with `i + rotaryDim/2`) by the angles whose cos/sin are given.
    @inline(never)
    static func rotate(_ v: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, half: Int) {
        for i in 0..<half {
            let x1 = v[i], x2 = v[i + half]
            v[i] = x1 * cos[i] - x2 * sin[i]
            v[i + half] = x2 * cos[i] + x1 * sin[i]
        }
    }

    /// Softmax over `row[lo..<hi]` scaled by `scale`; every other entry of the row becomes 0.
    @inline(never)
    static func maskedSoftmax(_ row: UnsafeMutablePointer<Float>, count: Int, lo: Int, hi: Int, scale: Float) {
        guard lo < hi else {
            for i in 0..<count { row[i] = 0 }
            return
        }
        var m = -Float.infinity
        for i in lo..<hi { m = max(m, row[i] * scale) }
        var sum: Float = 0
        for i in lo..<hi {
            let e = expf(row[i] * scale - m)
            row[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<lo { row[i] = 0 }
        for i in lo..<hi { row[i] *= inv }
        for i in hi..<count { row[i] = 0 }
    }

    /// `y = x · Wᵀ` for `x` of `rows × inFeatures` and a PyTorch `Linear` weight `W`
    /// of `outFeatures × inFeatures` (both row-major).
    static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>,
                       outFeatures: Int, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0, inFeatures > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outFeatures), Int32(inFeatures),
                    1, x, Int32(inFeatures), weight, Int32(inFeatures), 0, y, Int32(outFeatures))
    }

    /// General strided GEMM `C = A · op(B)` on raw pointers (row-major), for attention blocks.
    static func gemm(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                     _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// Rounds every value to `dtype` and back (to follow a reference that computes in bf16).
    static func round(_ values: inout [Float], to dtype: DType?) {
        guard let dtype, dtype != .F32 else { return }
        ElementCodec.roundTrip(&values, through: dtype)
    }
}
