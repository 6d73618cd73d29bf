import AlloyFormat
import AlloyMath
/// A row-major `rows × cols` matrix of `Float`: an embedding table (one row per
/// token) or any intermediate of the approximations.
public struct EmbeddingMatrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "EmbeddingMatrix: \(values.count) values for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [Float](repeating: 0, count: rows * cols))
    }

    /// A 2-D tensor as a matrix.
    public init(_ tensor: Tensor) {
        self.init(rows: tensor.rows, cols: tensor.columns, values: tensor.values)
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Float] { Array(values[(i * cols)..<((i + 1) * cols)]) }

    /// Overwrites row `i`.
    public mutating func setRow(_ i: Int, _ row: [Float]) {
        precondition(row.count == cols)
        values.withUnsafeMutableBufferPointer { dst in
            for j in 0..<cols { dst[i * cols + j] = row[j] }
        }
    }

    /// The rows at `indices`, in that order.
    public func gathering(_ indices: [Int]) -> EmbeddingMatrix {
        var out = [Float](repeating: 0, count: indices.count * cols)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    copyRow(src.baseAddress! + i * cols, dst.baseAddress! + r * cols, cols)
                }
            }
        }
        return EmbeddingMatrix(rows: indices.count, cols: cols, values: out)
    }

    /// The mean of all rows (accumulated in `Double`).
    public func meanRow() -> [Float] {
        guard rows > 0 else { return [Float](repeating: 0, count: cols) }
        var sum = [Double](repeating: 0, count: cols)
        values.withUnsafeBufferPointer { src in
            sum.withUnsafeMutableBufferPointer { acc in
                for r in 0..<rows { accumulateRow(src.baseAddress! + r * cols, acc.baseAddress!, cols) }
            }
        }
        return sum.map { Float($0 / Double(rows)) }
    }

    /// A copy with `row` subtracted from every row.
    public func subtractingFromRows(_ row: [Float]) -> EmbeddingMatrix {
        var out = values
        out.withUnsafeMutableBufferPointer { dst in
            row.withUnsafeBufferPointer { r in
                for i in 0..<rows { subtractRow(dst.baseAddress! + i * cols, r.baseAddress!, cols) }
            }
        }
        return EmbeddingMatrix(rows: rows, cols: cols, values: out)
    }

    /// The transpose.
    public func transposed() -> EmbeddingMatrix {
        var out = [Float](repeating: 0, count: values.count)
        for i in 0..<rows { for j in 0..<cols { out[j * rows + i] = values[i * cols + j] } }
        return EmbeddingMatrix(rows: cols, cols: rows, values: out)
    }

    /// `self · other` (or with either side transposed) through BLAS.
    public func multiplied(by other: EmbeddingMatrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> EmbeddingMatrix {
        let product = Linalg.matmul(values, rows: rows, cols: cols, transposeA: transposeSelf,
                                    other.values, rows: other.rows, cols: other.cols, transposeB: transposeOther)
        return EmbeddingMatrix(rows: transposeSelf ? cols : rows, cols: transposeOther ? other.rows : other.cols, values: product)
    }
}

@inline(never)
func copyRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] = src[j] }
}

@inline(never)
func accumulateRow(_ src: UnsafePointer<Float>, _ acc: UnsafeMutablePointer<Double>, _ n: Int) {
    for j in 0..<n { acc[j] += Double(src[j]) }
}

@inline(never)
func subtractRow(_ dst: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] -= row[j] }
}

@inline(never)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for j in 0..<n { s += a[j] * b[j] }
    return s
}

/// `y += alpha · x`.
@inline(never)
func addScaled(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    for j in 0..<n { y[j] += alpha * x[j] }
}
