import AlloyFormat
import Foundation

/// Writes a PEFT adapter directory: `adapter_model.safetensors` (one file, PEFT's key
/// names, `{"format": "pt"}` metadata) and `adapter_config.json` (sorted keys, indent 2,
/// as PEFT writes it), into an `OutputDirectory` so it appears only when complete.
public final class AdapterWriter: @unchecked Sendable {
    public let output: OutputDirectory
    let writer: ShardedWriter

    /// Plans the file. Tensor names must already carry the `base_model.model.` prefix.
    public init(path: String, tensors: [TensorSpec]) throws {
        output = try OutputDirectory(path)
        writer = try ShardedWriter(directory: output.workingPath, tensors: tensors, maxShardBytes: Int.max,
                                   baseName: "adapter_model")
    }

    /// Writes one tensor (encoded to its planned dtype); safe from any thread.
    public func write(_ name: String, values: [Float]) throws { try writer.write(name, values: values) }

    /// Writes one tensor from raw bytes in its planned dtype.
    public func write(_ name: String, bytes: UnsafeRawBufferPointer) throws { try writer.write(name, bytes: bytes) }

    /// Writes the config (and any extra text files), then moves the directory into place.
    public func finish(config: JSONValue, extraFiles: [(name: String, text: String)] = []) throws {
        try writer.finish()
        try JSONFile.write(config, to: output.path("adapter_config.json"), writer: .huggingFaceConfig)
        for (name, text) in extraFiles {
            do {
                try text.write(toFile: output.path(name), atomically: false, encoding: .utf8)
            } catch {
                throw AlloyError.io(output.path(name), "cannot write: \(error)")
            }
        }
        try output.commit()
    }

    /// `base_model.model.` + `path` + `suffix`.
    public static func key(_ path: String, _ suffix: String) -> String { LoRAAdapter.peftPrefix + path + suffix }
}
