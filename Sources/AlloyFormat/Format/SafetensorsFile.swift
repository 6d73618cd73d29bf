/// One memory-mapped `.safetensors` file: its header, and its tensors' bytes on demand.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let header: SafetensorsHeader
    let mapped: MappedFile
    let index: [String: Int]

    /// Opens and validates `path`.
    ///
    /// - Parameter strict: when true (the default) the first rule violation throws;
    ///   when false the file opens anyway and `header.violations` lists the problems
    ///   (tensors whose bytes lie outside the file are then unreadable).
    public init(path: String, strict: Bool = true) throws {
        self.path = path
        mapped = try MappedFile(path: path)
        header = try SafetensorsHeader.parse(mapped.bytes, path: path)
        if strict, let first = header.violations.first { throw first }
        var index: [String: Int] = [:]
        for (i, t) in header.tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    /// File size in bytes.
    public var size: Int { mapped.size }
    /// Tensors in data order.
    public var tensors: [TensorInfo] { header.tensors }
    /// `__metadata__`, if the file has one.
    public var metadata: [(String, String)]? { header.metadata }

    public func info(_ name: String) -> TensorInfo? { index[name].map { header.tensors[$0] } }

    /// The raw little-endian bytes of `tensor`, straight from the map.
    ///
    /// Throws when the range lies outside the file or does not match the tensor's
    /// dtype and shape (possible only in a file opened with `strict: false`).
    public func bytes(of tensor: TensorInfo) throws -> UnsafeRawBufferPointer {
        let available = mapped.size - header.dataStart
        guard tensor.end >= tensor.begin, tensor.begin <= available, tensor.end <= available else {
            throw AlloyError(.invalidData, code: "metadata_incomplete_buffer",
                             "\(path): tensor \"\(tensor.name)\" lies beyond the end of the file",
                             hint: "the file is truncated; download it again")
        }
        // The header parser has checked that this product does not overflow.
        let bits = tensor.shape.reduce(1, *) * tensor.dtype.bitWidth
        guard bits % 8 == 0, bits / 8 == tensor.byteCount else {
            throw AlloyError(.invalidData, code: "tensor_invalid_info",
                             "\(path): tensor \"\(tensor.name)\" (\(tensor.dtype.rawValue) \(tensor.shape)) does not match its \(tensor.byteCount) bytes of data")
        }
        return mapped.bytes(at: header.dataStart + tensor.begin, count: tensor.byteCount)
    }

    /// Hints the kernel that `tensor` will be read soon.
    public func prefetch(_ tensor: TensorInfo) {
        mapped.willRead(offset: header.dataStart + tensor.begin, count: tensor.byteCount)
    }

    /// Releases `tensor`'s pages from this process's resident set once it has been used.
    public func release(_ tensor: TensorInfo) {
        mapped.doneReading(offset: header.dataStart + tensor.begin, count: tensor.byteCount)
    }
}
