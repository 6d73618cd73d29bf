import AlloyFormat
import Foundation

/// The adapter kinds Alloy reads, by PEFT's `peft_type`, and the one place an adapter path
/// becomes a `FoldableAdapter`.
public enum PEFTAdapterKind: String, Sendable, CaseIterable {
    case lora = "LORA"
    case ia3 = "IA3"
    case loha = "LOHA"
    case lokr = "LOKR"

    /// How the kind is written in messages.
    public var displayName: String {
        switch self {
        case .lora: "LoRA"
        case .ia3: "(IA)³"
        case .loha: "LoHa"
        case .lokr: "LoKr"
        }
    }

    /// The display name with its indefinite article ("a LoRA", "an (IA)³").
    public var withArticle: String { (self == .ia3 ? "an " : "a ") + displayName }

    /// The kind of the adapter at `path`: its `adapter_config.json`'s `peft_type`, LoRA for
    /// a directory without one or a bare file (PEFT or kohya LoRA). Unknown types throw.
    public static func of(_ path: String) throws -> PEFTAdapterKind {
        guard let config = try PEFTAdapterFiles.config(at: path) else { return .lora }
        guard let kind = PEFTAdapterKind(rawValue: config.peftType) else {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(config.location): peft_type is \"\(config.json["peft_type"]?.stringValue ?? "")\"; Alloy reads LORA, IA3, LOHA and LOKR adapters")
        }
        return kind
    }

    /// The kind a PEFT tensor name (prefix removed) belongs to, from its parameter name
    /// (`….ia3_l`, `….hada_w1_a`, `….lokr_w2`, `….lora_A.weight`); nil for other tensors.
    public static func kind(ofTensor name: String) -> PEFTAdapterKind? {
        let parts = name.split(separator: ".")
        let param = parts.last == "weight" && parts.count > 1 ? parts[parts.count - 2] : (parts.last ?? "")
        if param == "ia3_l" { return .ia3 }
        if param.hasPrefix("hada_") { return .loha }
        if param.hasPrefix("lokr_") { return .lokr }
        if param.hasPrefix("lora_") { return .lora }
        return nil
    }

    /// Opens the adapter at `path` as the kind its config names.
    public static func open(_ path: String) throws -> any FoldableAdapter {
        switch try of(path) {
        case .lora: try LoRAAdapter(path: path)
        case .ia3: try IA3Adapter(path: path)
        case .loha, .lokr: try LyCORISAdapter(path: path)
        }
    }
}

/// Finding a PEFT adapter directory's two files.
public enum PEFTAdapterFiles {
    /// The `adapter_config.json` of the directory `path`, read for any kind; nil for a
    /// file or a directory without one.
    public static func config(at path: String) throws -> AdapterConfig? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AlloyError.io(path, "no such adapter directory or file")
        }
        let configPath = (path as NSString).appendingPathComponent("adapter_config.json")
        guard isDirectory.boolValue, FileManager.default.fileExists(atPath: configPath) else { return nil }
        return try AdapterConfig.readAnyKind(configPath)
    }

    /// The config and tensors of the adapter directory `path`, both required (kinds other
    /// than LoRA need the config to read their tensors).
    public static func open(_ path: String, kind: PEFTAdapterKind) throws -> (AdapterConfig, TensorStore) {
        guard let config = try config(at: path) else {
            throw AlloyError.io(path, "is not a PEFT adapter directory with an adapter_config.json",
                                hint: "\(kind.displayName) adapters are read from the directory PEFT's save_pretrained writes")
        }
        let st = (path as NSString).appendingPathComponent("adapter_model.safetensors")
        guard FileManager.default.fileExists(atPath: st) else {
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("adapter_model.bin")) {
                throw AlloyError(.unsupported, code: "pickle_adapter", "\(path): holds adapter_model.bin (a PyTorch pickle)",
                                 hint: "re-save the adapter with safetensors (PeftModel.save_pretrained(..., safe_serialization=True))")
            }
            throw AlloyError.io(path, "has no adapter_model.safetensors")
        }
        return (config, try TensorStore(path: st))
    }

    /// `name` without PEFT's `base_model.model.` prefix.
    public static func stripPrefix(_ name: String) -> String {
        name.hasPrefix(LoRAAdapter.peftPrefix) ? String(name.dropFirst(LoRAAdapter.peftPrefix.count)) : name
    }
}
