import AlloyFormat
import CBLAS
import CLAPACKE

/// Small dense solves the approximations need, through LAPACKE.
enum LeastSquares {
    /// The minimum-norm least-squares solution `x` of `A x ≈ b` for a row-major
    /// `m × n` matrix `A` (rank-deficient systems allowed), via SVD (`sgelsd`).
    static func solve(_ a: [Float], rows m: Int, cols n: Int, _ b: [Float]) throws -> [Float] {
        precondition(a.count == m * n && b.count == m)
        guard m > 0, n > 0 else { return [Float](repeating: 0, count: n) }
        var work = a
        var rhs = [Float](repeating: 0, count: max(m, n))
        for i in 0..<m { rhs[i] = b[i] }
        var singular = [Float](repeating: 0, count: min(m, n))
        var rank: Int32 = 0
        let info = LAPACKE_sgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, &work, Int32(n), &rhs, 1,
                                  &singular, -1, &rank)
        guard info == 0 else {
            throw AlloyError(.unsupported, code: "lstsq_failed", "least-squares solve of a \(m)×\(n) system failed (LAPACK info \(info))")
        }
        return Array(rhs[0..<n])
    }

    /// Solves `R x = b` in place for an upper-triangular row-major `n × n` matrix `R`.
    static func solveUpperTriangular(_ r: [Float], _ n: Int, _ b: inout [Float]) {
        guard n > 0 else { return }
        cblas_strsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(n), r, Int32(n), &b, 1)
    }

    /// QR of a row-major `m × n` matrix (`m ≥ n`): `Q` (`m × n`, orthonormal columns) and `R` (`n × n`, upper).
    static func qr(_ a: [Float], rows m: Int, cols n: Int) throws -> (q: [Float], r: [Float]) {
        var q = a
        var tau = [Float](repeating: 0, count: n)
        var info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), &q, Int32(n), &tau)
        var r = [Float](repeating: 0, count: n * n)
        if info == 0 {
            for i in 0..<n { for j in i..<n { r[i * n + j] = q[i * n + j] } }
            info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(n), &q, Int32(n), tau)
        }
        guard info == 0 else {
            throw AlloyError(.unsupported, code: "qr_failed", "QR of a \(m)×\(n) matrix failed (LAPACK info \(info))")
        }
        return (q, r)
    }

    /// The lower Cholesky factor of a symmetric row-major `n × n` matrix, or nil when
    /// it is not positive definite.
    static func cholesky(_ a: [Float], _ n: Int) -> [Float]? {
        var l = a
        let info = LAPACKE_spotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), &l, Int32(n))
        guard info == 0 else { return nil }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { l[i * n + j] = 0 } }
        return l
    }
}
