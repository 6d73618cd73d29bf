import AlloyFormat
import AlloyLoRA
import AlloyModel
import Foundation

/// A `model+adapter` reference in merge-moe: the adapter (any kind `PEFTAdapterKind` reads)
/// folded into the model through `AdapterFoldedSource` and written, in the model's dtypes,
/// to a scratch directory that is removed when this object goes away. mergekit-moe does
/// the same (it merges the adapter with PEFT into a cache directory), and the assembler
/// reads the result like any other model.
final class MoEFoldedModel: @unchecked Sendable {
    let path: String
    let store: TensorStore

    init(_ reference: ModelReference, key: String) throws {
        guard let adapter = reference.adapter else { preconditionFailure("no adapter in \(reference)") }
        if reference.adapterRevision != nil {
            throw AlloyError(.unsupported, code: "hub_revision", "\(key): \(reference): revisions (@REV) need the Hugging Face Hub, which Alloy does not download from",
                             hint: "download that revision and give its local directory")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: adapter, isDirectory: &isDirectory) else {
            throw AlloyError(.io, code: "model_not_found", "\(key): adapter \"\(adapter)\" does not exist",
                             hint: "give a local PEFT adapter directory")
        }
        let source = try AdapterFoldedSource(base: TensorStore(path: reference.path), adapter: PEFTAdapterKind.open(adapter))
        path = NSTemporaryDirectory() + "alloy-moe-fold-" + UUID().uuidString
        do {
            _ = try ModelDirectoryWriter().write(source, to: path, sideFilesFrom: nil, isChanged: { source.isChanged($0) })
            store = try TensorStore(path: path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
