import Foundation

/// A logical set of named tensors: one `.safetensors` file, a shard set named by a
/// `*.safetensors.index.json`, or a model directory holding either.
///
/// Shards are found through the index's `weight_map`, never by globbing. Headers are
/// read at open; tensor data is read from the memory maps one tensor at a time.
public final class TensorStore: @unchecked Sendable {
    /// What was opened, as given.
    public let location: String
    /// The directory holding the files.
    public let directory: String
    /// The index file, for a shard set.
    public let indexPath: String?
    /// The files, in index order (first appearance in `weight_map`) or the single file.
    public let files: [SafetensorsFile]
    /// Tensor names in a stable order: the index's order, else the file's data order.
    public let names: [String]
    /// Everything wrong with the set (file violations, index problems) when opened leniently.
    public let violations: [AlloyError]
    /// The index's `metadata` object, if any.
    public let indexMetadata: JSONValue?
    private let lookup: [String: (file: Int, tensor: TensorInfo)]

    /// Opens `path`, which may be a file, an index file or a directory.
    ///
    /// - Parameter strict: throw on the first violation (true) or collect them (false).
    public init(path: String, strict: Bool = true) throws {
        location = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AlloyError.io(path, "no such file or directory")
        }
        var filePath = path
        if isDirectory.boolValue {
            filePath = try TensorStore.resolveDirectory(path)
        }
        directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        var violations: [AlloyError] = []
        if filePath.hasSuffix(".json") {
            indexPath = filePath
            let (shardNames, weightMap, metadata) = try TensorStore.readIndex(filePath)
            indexMetadata = metadata
            let dir = (filePath as NSString).deletingLastPathComponent
            var files: [SafetensorsFile] = []
            for shard in shardNames {
                let shardPath = (dir as NSString).appendingPathComponent(shard)
                guard FileManager.default.fileExists(atPath: shardPath) else {
                    throw AlloyError(.invalidData, code: "missing_shard",
                                     "\(filePath): names shard \"\(shard)\", which does not exist in \(dir.isEmpty ? "." : dir)",
                                     hint: "download the missing shard or fix the index")
                }
                let f = try SafetensorsFile(path: shardPath, strict: strict)
                violations += f.header.violations
                files.append(f)
            }
            self.files = files
            var lookup: [String: (file: Int, tensor: TensorInfo)] = [:]
            var names: [String] = []
            let fileIndex = Dictionary(uniqueKeysWithValues: shardNames.enumerated().map { ($1, $0) })
            for (name, shard) in weightMap {
                let fi = fileIndex[shard]!
                guard let info = files[fi].info(name) else {
                    let e = AlloyError(.invalidData, code: "index_tensor_missing",
                                       "\(filePath): maps \"\(name)\" to \(shard), which does not contain it")
                    if strict { throw e }
                    violations.append(e)
                    continue
                }
                lookup[name] = (fi, info)
                names.append(name)
            }
            // A tensor stored in a shard but claimed by another shard (or by none) is suspicious.
            for (fi, f) in files.enumerated() {
                for t in f.tensors where lookup[t.name]?.file != fi {
                    let e: AlloyError
                    if let owner = lookup[t.name] {
                        e = AlloyError(.invalidData, code: "index_duplicate_tensor",
                                       "\(filePath): tensor \"\(t.name)\" is stored in both \(shardNames[owner.file]) and \(shardNames[fi])")
                    } else {
                        e = AlloyError(.invalidData, code: "index_tensor_unlisted",
                                       "\(filePath): tensor \"\(t.name)\" in \(shardNames[fi]) is not in weight_map")
                    }
                    if strict { throw e }
                    violations.append(e)
                }
            }
            self.lookup = lookup
            self.names = names
        } else {
            indexPath = nil
            indexMetadata = nil
            let f = try SafetensorsFile(path: filePath, strict: strict)
            violations += f.header.violations
            files = [f]
            names = f.tensors.map(\.name)
            var lookup: [String: (file: Int, tensor: TensorInfo)] = [:]
            for t in f.tensors { lookup[t.name] = (0, t) }
            self.lookup = lookup
        }
        self.violations = violations
    }

    /// The weights file or index a model directory holds.
    static func resolveDirectory(_ dir: String) throws -> String {
        let fm = FileManager.default
        for candidate in ["model.safetensors.index.json", "model.safetensors",
                          "adapter_model.safetensors", "diffusion_pytorch_model.safetensors.index.json",
                          "diffusion_pytorch_model.safetensors"] {
            let p = (dir as NSString).appendingPathComponent(candidate)
            if fm.fileExists(atPath: p) { return p }
        }
        let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        let indexes = entries.filter { $0.hasSuffix(".safetensors.index.json") }.sorted()
        if indexes.count == 1 { return (dir as NSString).appendingPathComponent(indexes[0]) }
        let files = entries.filter { $0.hasSuffix(".safetensors") }.sorted()
        if files.count == 1 && indexes.isEmpty { return (dir as NSString).appendingPathComponent(files[0]) }
        if files.isEmpty && indexes.isEmpty {
            let hint = entries.contains { $0.hasSuffix(".bin") || $0.hasSuffix(".pt") }
                ? "only PyTorch pickles are there; convert them to safetensors first" : nil
            throw AlloyError(.io, code: "no_weights", "\(dir): holds no .safetensors weights", hint: hint)
        }
        throw AlloyError(.invalidData, code: "ambiguous_weights",
                         "\(dir): holds several safetensors files but no model.safetensors.index.json",
                         hint: "name the file or index to read")
    }

    /// Reads an index: shard names in first-appearance order, the weight map in document order, metadata.
    static func readIndex(_ path: String) throws -> ([String], [(String, String)], JSONValue?) {
        let json: JSONValue
        do {
            json = try JSONFile.read(path, rejectDuplicateKeys: true)
        } catch let error as AlloyError {
            if error.message.contains("duplicate key") {
                throw AlloyError(.invalidData, code: "index_duplicate_tensor",
                                 "\(path): weight_map names a tensor twice (\(error.message))")
            }
            throw error
        }
        guard case .object(let map)? = json["weight_map"] else {
            throw AlloyError(.invalidData, code: "invalid_index", "\(path): has no \"weight_map\" object")
        }
        var shards: [String] = []
        var seen = Set<String>()
        var pairs: [(String, String)] = []
        for (name, v) in map {
            guard let shard = v.stringValue else {
                throw AlloyError(.invalidData, code: "invalid_index", "\(path): weight_map[\"\(name)\"] is not a file name")
            }
            guard !shard.contains("/") && shard != ".." else {
                throw AlloyError(.invalidData, code: "invalid_index", "\(path): shard name \"\(shard)\" is not a plain file name")
            }
            if seen.insert(shard).inserted { shards.append(shard) }
            pairs.append((name, shard))
        }
        return (shards, pairs, json["metadata"])
    }

    /// Number of tensors.
    public var count: Int { names.count }
    public func contains(_ name: String) -> Bool { lookup[name] != nil }
    public func info(_ name: String) -> TensorInfo? { lookup[name]?.tensor }
    /// The file holding `name`.
    public func file(of name: String) -> SafetensorsFile? { lookup[name].map { files[$0.file] } }
    /// Sum of the tensors' data bytes (the index's `total_size`).
    public var totalBytes: Int { lookup.values.reduce(0) { $0 + $1.tensor.byteCount } }

    /// The raw bytes of `name`.
    public func bytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let entry = lookup[name] else { throw missing(name) }
        return try files[entry.file].bytes(of: entry.tensor)
    }

    /// `name` decoded to `Float`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = lookup[name] else { throw missing(name) }
        let info = entry.tensor
        guard info.dtype.isDecodable else {
            throw AlloyError(.unsupported, code: "unsupported_dtype",
                             "\(files[entry.file].path): tensor \"\(name)\" is \(info.dtype.rawValue), which Alloy cannot do arithmetic on")
        }
        let raw = try files[entry.file].bytes(of: info)
        let values = ElementCodec.decode(raw, dtype: info.dtype, count: info.elementCount)
        return Tensor(shape: info.shape, values: values)
    }

    /// Lets the kernel drop `name`'s pages once used (keeps resident memory bounded).
    public func release(_ name: String) {
        guard let entry = lookup[name] else { return }
        files[entry.file].release(entry.tensor)
    }

    /// The error for a tensor `name` this store does not hold.
    public func missing(_ name: String) -> AlloyError {
        AlloyError(.mismatch, code: "missing_tensor", "\(location): has no tensor \"\(name)\"")
    }
}
