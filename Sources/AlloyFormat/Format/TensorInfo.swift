/// One tensor as a safetensors header describes it.
public struct TensorInfo: Sendable, Hashable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Byte range relative to the start of the data section (`data_offsets`).
    public let begin: Int
    public let end: Int

    public init(name: String, dtype: DType, shape: [Int], begin: Int, end: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
    }

    /// Number of elements (1 for a scalar, 0 when a dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Length of the tensor's data in bytes.
    public var byteCount: Int { end - begin }
}

/// A tensor's name, dtype and shape: what a writer must know before the data exists.
public struct TensorSpec: Sendable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes of data (rounded up for sub-byte types).
    public var byteCount: Int { (elementCount * dtype.bitWidth + 7) / 8 }
}
