import AlloyFormat
import CBLAS
import CLAPACKE

/// Dense linear algebra on row-major `Float` matrices, through OpenBLAS and LAPACKE.
public enum Linalg {
    /// `op(A) · op(B)` where `A` is `aRows × aCols` and `B` is `bRows × bCols` (row-major),
    /// `op` transposing when asked. Returns the row-major product.
    public static func matmul(_ a: [Float], rows aRows: Int, cols aCols: Int, transposeA: Bool = false,
                              _ b: [Float], rows bRows: Int, cols bCols: Int, transposeB: Bool = false,
                              alpha: Float = 1) -> [Float] {
        let m = transposeA ? aCols : aRows
        let k = transposeA ? aRows : aCols
        let kb = transposeB ? bCols : bRows
        let n = transposeB ? bRows : bCols
        precondition(k == kb, "matmul: inner dimensions \(k) and \(kb) differ")
        var c = [Float](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(aCols), b, Int32(bCols), 0, &c, Int32(n))
        return c
    }

    /// Thin singular value decomposition `A = U · diag(S) · Vᵀ` of a row-major `m × n`
    /// matrix with LAPACK's divide-and-conquer `sgesdd` (never the far slower `sgesvd`).
    ///
    /// Returns `u` (`m × k`), `s` (`k`, descending) and `vt` (`k × n`), row-major, `k = min(m, n)`.
    public static func svd(_ a: [Float], rows m: Int, cols n: Int) throws -> (u: [Float], s: [Float], vt: [Float]) {
        let k = min(m, n)
        var work = a
        var s = [Float](repeating: 0, count: k)
        var u = [Float](repeating: 0, count: m * k)
        var vt = [Float](repeating: 0, count: k * n)
        guard k > 0 else { return (u, s, vt) }
        let info = LAPACKE_sgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(n),
                                  &s, &u, Int32(k), &vt, Int32(n))
        guard info == 0 else {
            throw AlloyError(.unsupported, code: "svd_failed", "SVD of a \(m)×\(n) matrix did not converge (LAPACK info \(info))")
        }
        return (u, s, vt)
    }

    /// Orthonormal basis `Q` (`m × n`, row-major) of the columns of a row-major `m × n` matrix, `m ≥ n`.
    public static func orthonormalize(_ a: [Float], rows m: Int, cols n: Int) throws -> [Float] {
        precondition(m >= n, "orthonormalize: needs rows ≥ cols")
        var q = a
        var tau = [Float](repeating: 0, count: n)
        guard n > 0 else { return q }
        var info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), &q, Int32(n), &tau)
        if info == 0 { info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(n), &q, Int32(n), tau) }
        guard info == 0 else {
            throw AlloyError(.unsupported, code: "qr_failed", "QR of a \(m)×\(n) matrix failed (LAPACK info \(info))")
        }
        return q
    }
}
