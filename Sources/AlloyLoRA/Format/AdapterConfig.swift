import AlloyFormat
import Foundation

/// `target_modules` as PEFT stores it: a list of names (exact or dot-suffix match)
/// or one regular expression (full match).
public enum TargetModules: Sendable, Equatable {
    case list([String])
    case regex(String)

    /// True when the module path `name` is targeted.
    public func matches(_ name: String) -> Bool {
        switch self {
        case .list(let entries): return entries.contains { ModulePattern.matchesListEntry($0, name: name) }
        case .regex(let rx): return ModulePattern.fullMatch(rx, name) ?? false
        }
    }

    public var json: JSONValue {
        switch self {
        case .list(let l): return .array(l.map { .string($0) })
        case .regex(let s): return .string(s)
        }
    }
}

/// A PEFT `adapter_config.json`, kept as its JSON so fields Alloy does not use are
/// written back unchanged, with typed access to the fields that decide the numbers.
public struct AdapterConfig: Sendable {
    /// The document, members in their original order.
    public var json: JSONValue
    /// Where it was read from, for messages.
    public var location: String

    public init(json: JSONValue, location: String) {
        self.json = json
        self.location = location
    }

    /// Reads and checks `path` (an `adapter_config.json`).
    public static func read(_ path: String) throws -> AdapterConfig {
        let json = try JSONFile.read(path)
        guard json.objectValue != nil else {
            throw AlloyError(.invalidData, code: "invalid_adapter_config", "\(path): is not a JSON object")
        }
        let config = AdapterConfig(json: json, location: path)
        try config.validate()
        return config
    }

    /// Rejects adapter types and settings Alloy cannot reproduce.
    func validate() throws {
        if let type = json["peft_type"]?.stringValue, type.uppercased() != "LORA" {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(location): peft_type is \"\(type)\"; only LoRA adapters are supported")
        }
        if let r = json["r"], !r.isNull, (r.intValue ?? 0) <= 0 {
            throw AlloyError(.invalidData, code: "invalid_adapter_config", "\(location): \"r\" must be a positive integer")
        }
        if let a = json["lora_alpha"], !a.isNull, a.doubleValue == nil {
            throw AlloyError(.invalidData, code: "invalid_adapter_config", "\(location): \"lora_alpha\" must be a number")
        }
        if json["use_dora"]?.boolValue == true {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(location): use_dora is true; DoRA adapters are not supported")
        }
        if let tp = json["target_parameters"], !tp.isNull, !(tp.arrayValue?.isEmpty ?? false) {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(location): target_parameters (LoRA on nn.Parameter) is not supported")
        }
        if let lr = json["layer_replication"], !lr.isNull {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(location): layer_replication is not supported")
        }
    }

    /// Default rank (`r`, 8 when absent).
    public var r: Int { json["r"]?.intValue ?? 8 }
    /// Default alpha (`lora_alpha`, 8 when absent).
    public var loraAlpha: Double { json["lora_alpha"]?.doubleValue ?? 8 }
    public var useRSLoRA: Bool { json["use_rslora"]?.boolValue ?? false }
    public var fanInFanOut: Bool { json["fan_in_fan_out"]?.boolValue ?? false }
    public var baseModel: String? { json["base_model_name_or_path"]?.stringValue }

    public var targetModules: TargetModules? {
        if let s = json["target_modules"]?.stringValue { return .regex(s) }
        if let a = json["target_modules"]?.arrayValue { return .list(a.compactMap(\.stringValue)) }
        return nil
    }

    public var modulesToSave: [String] {
        json["modules_to_save"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// `rank_pattern` entries in document order.
    public var rankPattern: [(String, Int)] {
        (json["rank_pattern"]?.objectValue ?? []).compactMap { k, v in v.intValue.map { (k, $0) } }
    }

    /// `alpha_pattern` entries in document order.
    public var alphaPattern: [(String, Double)] {
        (json["alpha_pattern"]?.objectValue ?? []).compactMap { k, v in v.doubleValue.map { (k, $0) } }
    }

    /// The rank PEFT gives module `path` (first matching `rank_pattern` key, else `r`).
    public func rank(for path: String) -> Int {
        rankPattern.first { ModulePattern.matchesSuffix($0.0, name: path) }?.1 ?? r
    }

    /// The alpha PEFT gives module `path` (first matching `alpha_pattern` key, else `lora_alpha`).
    public func alpha(for path: String) -> Double {
        alphaPattern.first { ModulePattern.matchesSuffix($0.0, name: path) }?.1 ?? loraAlpha
    }

    /// The largest rank any module can have: `max(r, rank_pattern values)` (PEFT ≥ 0.16).
    public var maximumRank: Int { ([r] + rankPattern.map(\.1)).max() ?? r }

    /// `alpha / r`, or `alpha / √r` with rsLoRA.
    public static func scaling(alpha: Double, rank: Int, rsLoRA: Bool) -> Double {
        rsLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank)
    }
}
