import AlloyFormat
import AlloyModel
import Foundation

/// One model a configuration references, opened: its tensors, config and layout.
public final class InputModel: Sendable {
    public let reference: ModelReference
    /// The model directory.
    public let directory: String
    /// Where its tensors come from (a store on disk, or a view with an adapter folded in).
    public let source: any TensorSource
    /// Its `config.json`.
    public let config: ModelConfig
    public let layout: ModelLayout

    public init(reference: ModelReference, directory: String, source: any TensorSource, config: ModelConfig) {
        self.reference = reference
        self.directory = directory
        self.source = source
        self.config = config
        self.layout = ModelLayout(names: source.names, configLayerCount: config.layerCount)
    }

    /// The reference as written in the configuration.
    public var name: String { reference.description }
}

/// The one place a model reference becomes a `TensorSource`.
public enum ModelSourceFactory {
    /// Opens the model `reference` names, folding in its adapter through `hooks.adapterSource`.
    public static func open(_ reference: ModelReference, hooks: MergeHooks) throws -> InputModel {
        if reference.revision != nil || reference.adapterRevision != nil {
            throw AlloyError(.unsupported, code: "hub_revision", "\(reference): revisions (@REV) need the Hugging Face Hub, which Alloy does not download from",
                             hint: "download that revision and give its local directory")
        }
        let directory = try existingDirectory(reference.path, what: "model")
        let store = try TensorStore(path: directory)
        var source: any TensorSource = store
        if let adapter = reference.adapter {
            guard let fold = hooks.adapterSource else {
                throw AlloyError(.unsupported, code: "not_available", "\(reference): model references with a LoRA adapter (MODEL+ADAPTER) are not available here",
                                 hint: "merge the adapter into the model first, then reference the merged directory")
            }
            let adapterDirectory = try existingDirectory(adapter, what: "adapter")
            source = try fold(store, adapterDirectory)
        }
        var config = try ModelConfig.read(directory: directory)
        if let arch = reference.overrideArchitecture { config.json["architectures"] = .array([.string(arch)]) }
        return InputModel(reference: reference, directory: directory, source: source, config: config)
    }

    static func existingDirectory(_ path: String, what: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let hubLike = !path.hasPrefix("/") && !path.hasPrefix(".") && path.split(separator: "/").count == 2
            throw AlloyError(.config, code: "model_not_found", "\(path): no such \(what) directory",
                             hint: hubLike ? "Alloy does not download from the Hub; fetch it first (huggingface-cli download \(path) --local-dir DIR) and use DIR"
                                           : "check the path; relative paths are relative to the current directory")
        }
        guard isDirectory.boolValue else {
            throw AlloyError(.config, code: "model_not_found", "\(path): is a file, not a \(what) directory")
        }
        return path
    }
}
