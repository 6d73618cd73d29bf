import AlloyFormat
import Foundation

/// Fields of `adapter_config.json` that adapter kinds other than LoRA use.
extension AdapterConfig {
    /// Reads `path` (an `adapter_config.json`) of any adapter kind: only checks that it is a
    /// JSON object; each kind checks its own fields.
    public static func readAnyKind(_ path: String) throws -> AdapterConfig {
        let json = try JSONFile.read(path)
        guard json.objectValue != nil else {
            throw AlloyError(.invalidData, code: "invalid_adapter_config", "\(path): is not a JSON object")
        }
        return AdapterConfig(json: json, location: path)
    }

    /// `peft_type` upper-cased (`LORA` when absent, as for bare LoRA files).
    public var peftType: String { json["peft_type"]?.stringValue?.uppercased() ?? "LORA" }

    /// (IA)³'s `feedforward_modules`: a list (PEFT: the module name *ends with* an entry,
    /// not dot-aligned) or one regular expression (full match).
    public var feedforwardModules: TargetModules? {
        if let s = json["feedforward_modules"]?.stringValue { return .regex(s) }
        if let a = json["feedforward_modules"]?.arrayValue { return .list(a.compactMap(\.stringValue)) }
        return nil
    }

    /// True when (IA)³ treats module `path` as feed-forward (scales its inputs), by PEFT's
    /// rule: regex full match, or for a list a plain string suffix.
    public func isFeedforward(_ path: String) -> Bool {
        switch feedforwardModules {
        case .regex(let rx): return ModulePattern.fullMatch(rx, path) ?? false
        case .list(let entries): return entries.contains { path.hasSuffix($0) }
        case nil: return false
        }
    }

    /// LoHa/LoKr's alpha for module `path`: the first matching `alpha_pattern` key, else
    /// `alpha` (8 when absent).
    public func lycorisAlpha(for path: String) -> Double {
        alphaPattern.first { ModulePattern.matchesSuffix($0.0, name: path) }?.1 ?? json["alpha"]?.doubleValue ?? 8
    }
}
