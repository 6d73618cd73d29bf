import Foundation

/// Writes a set of tensors as Hugging Face shards: `model.safetensors` when one
/// file suffices, else `model-0000i-of-0000N.safetensors` plus
/// `model.safetensors.index.json`.
///
/// Shards are filled greedily in the given order (as `huggingface_hub` does); a
/// tensor larger than the limit gets a shard of its own.
public final class ShardedWriter: @unchecked Sendable {
    public let directory: String
    public let baseName: String
    let writers: [SafetensorsWriter]
    let shardOf: [String: Int]
    let specs: [TensorSpec]
    let indexMetadata: [(String, JSONValue)]

    /// Plans the shards and creates every file's header.
    ///
    /// - Parameters:
    ///   - directory: where the files go (usually an `OutputDirectory`'s working path).
    ///   - tensors: every tensor to be written, in the order shards are filled.
    ///   - maxShardBytes: the limit per shard, in bytes of tensor data.
    ///   - baseName: `model` for models, `adapter_model` for adapters.
    public init(directory: String, tensors: [TensorSpec], maxShardBytes: Int, baseName: String = "model",
                metadata: [(String, String)] = [], indexMetadata: [(String, JSONValue)] = []) throws {
        self.directory = directory
        self.baseName = baseName
        self.specs = tensors
        self.indexMetadata = indexMetadata
        var groups: [[TensorSpec]] = [[]]
        var size = 0
        for t in tensors {
            if !groups[groups.count - 1].isEmpty && size + t.byteCount > maxShardBytes {
                groups.append([])
                size = 0
            }
            groups[groups.count - 1].append(t)
            size += t.byteCount
        }
        var shardOf: [String: Int] = [:]
        var writers: [SafetensorsWriter] = []
        for (i, group) in groups.enumerated() {
            let name = ShardedWriter.fileName(baseName, shard: i, of: groups.count)
            let path = (directory as NSString).appendingPathComponent(name)
            writers.append(try SafetensorsWriter(path: path, tensors: group, metadata: metadata))
            for t in group { shardOf[t.name] = i }
        }
        self.writers = writers
        self.shardOf = shardOf
    }

    /// `model.safetensors` or `model-00002-of-00005.safetensors`.
    public static func fileName(_ base: String, shard: Int, of count: Int) -> String {
        if count == 1 { return "\(base).safetensors" }
        func five(_ n: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, 5 - s.count)) + s }
        return "\(base)-\(five(shard + 1))-of-\(five(count)).safetensors"
    }

    /// Number of shard files.
    public var shardCount: Int { writers.count }

    /// Writes tensor `name` from float values (encoded to its planned dtype).
    public func write(_ name: String, values: [Float]) throws {
        try writer(for: name).write(name, values: values)
    }

    /// Writes elements `elementOffset ..< elementOffset + values.count` of tensor `name` (a block of a large tensor).
    public func write(_ name: String, elementOffset: Int, values: UnsafeBufferPointer<Float>) throws {
        try writer(for: name).write(name, elementOffset: elementOffset, values: values)
    }

    /// Writes tensor `name` from raw bytes in its planned dtype.
    public func write(_ name: String, bytes: UnsafeRawBufferPointer) throws {
        try writer(for: name).write(name, bytes: bytes)
    }

    func writer(for name: String) throws -> SafetensorsWriter {
        guard let i = shardOf[name] else {
            throw AlloyError(.invalidData, code: "unexpected_tensor", "\(directory): tensor \"\(name)\" was not planned")
        }
        return writers[i]
    }

    /// Closes every shard and writes the index when there is more than one shard.
    /// Returns the names of the files written.
    @discardableResult
    public func finish() throws -> [String] {
        for w in writers { try w.finish() }
        var names = writers.map { ($0.path as NSString).lastPathComponent }
        if writers.count > 1 {
            let total = specs.reduce(0) { $0 + $1.byteCount }
            var metadata: [(String, JSONValue)] = indexMetadata
            metadata.append(("total_size", .int(total)))
            let map: [(String, JSONValue)] = specs.map { ($0.name, .string(names[shardOf[$0.name]!])) }
                .sorted { $0.0 < $1.0 }
            let index: JSONValue = .object([("metadata", .object(metadata)), ("weight_map", .object(map))])
            let indexName = "\(baseName).safetensors.index.json"
            try JSONFile.write(index, to: (directory as NSString).appendingPathComponent(indexName), writer: .pretty)
            names.append(indexName)
        }
        return names
    }
}
