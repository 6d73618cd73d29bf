import AlloyFormat
/// The mixture-of-experts model families merge-moe can write, in mergekit-moe's
/// order of preference (Mixtral first when it qualifies, else the first that does).
public enum MoEFamily: String, Sendable, CaseIterable {
    case mixtral = "Mixtral"
    case deepseek = "DeepSeek MoE"
    case qwen2 = "Qwen MoE"
    case qwen3 = "Qwen3 MoE"

    /// The name as mergekit-moe prints it (and `architecture:` prefixes match).
    public var name: String { rawValue }

    /// How experts are laid out when none is asked for (what mergekit-moe writes).
    public var defaultLayout: ExpertLayout {
        switch self {
        case .mixtral, .qwen3: return .fused
        case .qwen2, .deepseek: return .perExpert
        }
    }

    /// Layouts a loader of this family reads.
    public var layouts: [ExpertLayout] {
        self == .deepseek ? [.perExpert] : [.fused, .perExpert]
    }

    /// Why this family cannot hold the configured models, or nil when it can.
    /// `modelTypes` lists the `model_type` of the base, the experts and the shared experts.
    public func rejection(of config: MoEConfig, modelTypes: [String]) -> String? {
        let shared = config.sharedExperts
        switch self {
        case .mixtral:
            if !shared.isEmpty { return "Mixtral has no shared experts" }
        case .deepseek:
            if shared.count > 1 { return "DeepSeek MoE holds at most one shared expert" }
            if let s = shared.first, !s.positivePrompts.isEmpty || !s.negativePrompts.isEmpty {
                return "DeepSeek MoE shared experts are not gated, so they take no prompts"
            }
        case .qwen2:
            if shared.count != 1 { return "Qwen MoE needs exactly one shared expert" }
            if config.gateMode.needsPrompts && shared[0].positivePrompts.isEmpty {
                return "Qwen MoE needs prompts for its shared expert's gate"
            }
        case .qwen3:
            if !shared.isEmpty { return "Qwen3 MoE has no shared experts" }
        }
        let kinds = Set(modelTypes)
        if self != .qwen3 && kinds.count != 1 {
            return "\(name) needs every model to have the same architecture (found \(kinds.sorted().joined(separator: ", ")))"
        }
        let allowed: Set<String>
        switch self {
        case .mixtral, .deepseek: allowed = ["llama", "mistral"]
        case .qwen2: allowed = ["llama", "mistral", "qwen2"]
        case .qwen3: allowed = ["qwen3"]
        }
        if let bad = modelTypes.first(where: { !allowed.contains($0) }) {
            return "\(name) is built from \(allowed.sorted().joined(separator: "/")) models, not \(bad)"
        }
        return nil
    }

    /// Chooses the output family as mergekit-moe does: filter by the `architecture`
    /// prefix, keep the families that can hold the models, prefer Mixtral.
    public static func select(for config: MoEConfig, modelTypes: [String], file: String) throws -> MoEFamily {
        var named = MoEFamily.allCases
        if let prefix = config.architecture?.lowercased() {
            named = named.filter { $0.name.lowercased().hasPrefix(prefix) }
            guard !named.isEmpty else {
                throw AlloyError.config("\(file): architecture", "no output family is named like \"\(config.architecture!)\"",
                                        hint: "use one of: " + allCases.map(\.name).joined(separator: ", "))
            }
        }
        let reasons = named.map { ($0, $0.rejection(of: config, modelTypes: modelTypes)) }
        let fitting = reasons.filter { $0.1 == nil }.map(\.0)
        guard let first = fitting.first else {
            let why = reasons.map { "\($0.0.name): \($0.1!)" }.joined(separator: "; ")
            throw AlloyError(.mismatch, code: "no_output_family", "\(file): no output family can hold these experts (\(why))")
        }
        return fitting.contains(.mixtral) ? .mixtral : first
    }
}

/// How a layer's experts are stored.
public enum ExpertLayout: String, Sendable, CaseIterable {
    /// Transformers v5: `mlp.experts.gate_up_proj` `[E, 2I, H]` and `mlp.experts.down_proj` `[E, H, I]`.
    case fused
    /// One tensor per expert and projection (what Transformers v4 and llama.cpp's converter read).
    case perExpert = "per-expert"
}
