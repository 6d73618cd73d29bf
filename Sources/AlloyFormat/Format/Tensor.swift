/// A dense row-major tensor of `Float` values: the working form of every merge.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.values = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { values.count }
    public var rank: Int { shape.count }
    /// Rows of a matrix (the first dimension; 1 for a scalar).
    public var rows: Int { shape.first ?? 1 }
    /// Elements per row (product of all dimensions after the first).
    public var columns: Int { shape.count <= 1 ? (shape.first.map { _ in 1 } ?? 1) : shape.dropFirst().reduce(1, *) }
}
