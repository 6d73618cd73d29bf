import AlloyFormat
import AlloyMath
import AlloyModel
import Foundation

/// Writes every tensor of a `TensorSource` as a Hugging Face model directory (shards +
/// index, streamed tensor by tensor on several threads), with the base model's
/// non-weight files (config, tokenizer, generation config) copied beside them.
/// `config.json` gets the output dtype and, when the input embedding's row count changed
/// (an adapter that saves resized embeddings), the new `vocab_size`, as Transformers'
/// `resize_token_embeddings` sets it: otherwise Transformers refuses the checkpoint.
public struct ModelDirectoryWriter: Sendable {
    /// Dtype for floating-point tensors (nil: each keeps its source dtype).
    public var dtype: DType?
    public var maxShardBytes: Int
    public var threads: Int

    public init(dtype: DType? = nil, maxShardBytes: Int = 5_000_000_000, threads: Int = Parallel.defaultThreads) {
        self.dtype = dtype
        self.maxShardBytes = maxShardBytes
        self.threads = threads
    }

    /// Summary of a write.
    public struct Result: Sendable {
        public var tensors: Int
        public var changedTensors: Int
        public var bytes: Int
        public var files: [String]
    }

    /// Writes `source` to `path`, copying the side files of `sideFilesFrom` (a model directory).
    public func write(_ source: TensorSource, to path: String, sideFilesFrom: String?,
                      isChanged: (String) -> Bool = { _ in true },
                      progress: (@Sendable (Int) -> Void)? = nil) throws -> Result {
        var specs: [TensorSpec] = []
        for name in source.names {
            guard let info = source.info(name) else { continue }
            let out = (info.dtype.isFloatingPoint && dtype != nil) ? dtype! : info.dtype
            specs.append(TensorSpec(name: name, dtype: out, shape: info.shape))
        }
        let output = try OutputDirectory(path)
        let writer = try ShardedWriter(directory: output.workingPath, tensors: specs, maxShardBytes: maxShardBytes)
        let store = source as? TensorStore ?? (source as? AdapterFoldedSource)?.base as? TensorStore
        let changed = specs.map { isChanged($0.name) }
        try Parallel.forEach(specs.count, threads: threads) { i in
            let spec = specs[i]
            let info = source.info(spec.name)!
            if !changed[i], info.dtype == spec.dtype, let store, store.contains(spec.name) {
                try writer.write(spec.name, bytes: try store.bytes(spec.name))
            } else if spec.dtype.isEncodable {
                try writer.write(spec.name, values: try source.tensor(spec.name).values)
            } else {
                throw AlloyError(.unsupported, code: "unsupported_dtype",
                                 "\(source.location): tensor \"\(spec.name)\" is \(spec.dtype.rawValue), which cannot be rewritten")
            }
            source.release(spec.name)
            progress?(i)
        }
        var files = try writer.finish()
        let embeddingRows = ModelLayout(names: source.names, configLayerCount: nil).embedding
            .flatMap { source.info($0)?.shape.first }
        if let dir = sideFilesFrom { files += try copySideFiles(from: dir, to: output, embeddingRows: embeddingRows) }
        try output.commit()
        return Result(tensors: specs.count, changedTensors: changed.filter { $0 }.count,
                      bytes: specs.reduce(0) { $0 + $1.byteCount }, files: files)
    }

    /// Copies config/tokenizer files (not weights, not the README), setting config.json's dtype
    /// and, if the input embedding has `embeddingRows` rows, its `vocab_size`.
    func copySideFiles(from dir: String, to output: OutputDirectory, embeddingRows: Int? = nil) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { return [] }
        var copied: [String] = []
        for name in ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
            let src = (dir as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: src, isDirectory: &isDir), !isDir.boolValue, !name.hasPrefix("."),
                  !name.hasSuffix(".safetensors"), !name.hasSuffix(".safetensors.index.json"), !name.hasSuffix(".bin"),
                  !name.hasSuffix(".pt"), !name.hasSuffix(".pth"), !name.hasSuffix(".gguf"), name != "README.md" else { continue }
            let resized = name == "config.json" && embeddingRows != nil
                && (try? JSONFile.read(src))?["vocab_size"]?.intValue.map { $0 != embeddingRows } == true
            if name == "config.json", dtype != nil || resized {
                var config = try JSONFile.read(src)
                if let dtype {
                    var set = false
                    for key in ["torch_dtype", "dtype"] where config[key] != nil {
                        config[key] = .string(dtype.torchName)
                        set = true
                    }
                    if !set { config["torch_dtype"] = .string(dtype.torchName) }
                }
                if resized, let rows = embeddingRows { config["vocab_size"] = .int(rows) }
                try JSONFile.write(config, to: output.path(name), writer: .huggingFaceConfig)
            } else {
                do {
                    try fm.copyItem(atPath: src, toPath: output.path(name))
                } catch {
                    throw AlloyError.io(src, "cannot copy into the output: \(error.localizedDescription)")
                }
            }
            copied.append(name)
        }
        return copied
    }
}
