import AlloyFormat
import AlloyModel
import Yams

/// Reads a `mergekit-yaml` configuration strictly: unknown keys, wrong types and
/// impossible combinations are errors naming the key and its line.
///
/// Differences from mergekit (documented in docs/merge-yaml.md): unknown keys are
/// rejected instead of silently ignored, and `modules:` (multi-module models) is
/// not supported.
public enum MergeConfigurationParser {
    static let topLevelKeys = ["merge_method", "models", "slices", "modules", "base_model", "parameters", "dtype",
                               "out_dtype", "tokenizer", "tokenizer_source", "chat_template"]

    /// Parses configuration text. `origin` names the file for messages.
    public static func parse(_ text: String, origin: String = "configuration") throws -> MergeConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw AlloyError(.config, code: "invalid_yaml", "\(origin): not valid YAML: \(oneLine(String(describing: e)))")
        } catch {
            throw AlloyError(.config, code: "invalid_yaml", "\(origin): not valid YAML: \(error)")
        }
        guard let root else {
            throw AlloyError(.config, code: "invalid_config", "\(origin): is empty", hint: "write a merge_method and models or slices")
        }
        let doc = YAMLNode(node: root, path: "")
        var config = MergeConfiguration(mergeMethod: "", text: text)
        var sawMethod = false
        for (key, value) in try doc.mapping(allowed: topLevelKeys) {
            switch key {
            case "merge_method":
                config.mergeMethod = try value.string()
                sawMethod = true
                if !MergeMethodRegistry.names.contains(config.mergeMethod) {
                    let guess = YAMLNode.closest(config.mergeMethod, in: MergeMethodRegistry.names).map { "did you mean \($0)? " } ?? ""
                    throw AlloyError(.config, code: "unknown_method", "\(value.location): unknown merge method \"\(config.mergeMethod)\"",
                                     hint: "\(guess)known methods: \(MergeMethodRegistry.names.joined(separator: ", "))")
                }
            case "models":
                config.models = try value.sequence().map(parseModelEntry)
            case "slices":
                config.slices = try value.sequence().map(parseSlice)
            case "modules":
                throw value.error("multi-module configurations are not supported yet",
                                  hint: "use models: or slices: for decoder-only models")
            case "base_model":
                config.baseModel = try parseModelReference(value)
            case "parameters":
                config.parameters = try parseParameters(value)
            case "dtype":
                config.dtype = try parseDType(value)
            case "out_dtype":
                config.outDType = try parseDType(value)
            case "tokenizer":
                config.tokenizer = try parseTokenizer(value)
            case "tokenizer_source":
                config.tokenizer = TokenizerSettings(source: try parseTokenizerSource(value), fromLegacyKey: true)
            case "chat_template":
                let t = try value.string()
                if !["auto", "alpaca", "chatml", "llama3", "mistral", "exaone"].contains(t) && (t.count < 20 || !t.contains("{")) {
                    throw value.error("\"\(t)\" is neither a built-in template nor a Jinja template",
                                      hint: "use auto, alpaca, chatml, llama3, mistral, exaone or a Jinja template text")
                }
                config.chatTemplate = t
            default:
                break
            }
        }
        let keys = try doc.mapping(allowed: topLevelKeys).map(\.key)
        guard sawMethod, !config.mergeMethod.isEmpty else {
            throw AlloyError.config("merge_method", "is missing", hint: "add merge_method: linear (or another method)")
        }
        if keys.contains("tokenizer") && keys.contains("tokenizer_source") {
            throw AlloyError.config("tokenizer_source", "cannot be used together with tokenizer:",
                                    hint: "keep tokenizer: {source: ...} only")
        }
        let hasModels = !(config.models ?? []).isEmpty, hasSlices = !(config.slices ?? []).isEmpty
        if hasModels == hasSlices {
            throw AlloyError.config(hasModels ? "slices" : "models",
                                    hasModels ? "cannot be used together with models:" : "the configuration needs a non-empty models: or slices: list")
        }
        if !hasModels { config.models = nil }
        if !hasSlices { config.slices = nil }
        return config
    }

    static func oneLine(_ s: String) -> String {
        s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func parseModelEntry(_ node: YAMLNode) throws -> ModelEntry {
        if case .scalar = node.node {
            return ModelEntry(model: try parseModelReference(node))
        }
        var model: ModelReference?
        var parameters = ParameterSettings()
        for (key, value) in try node.mapping(allowed: ["model", "parameters"]) {
            if key == "model" { model = try parseModelReference(value) } else { parameters = try parseParameters(value) }
        }
        guard let model else { throw node.error("has no model:", hint: "write - model: PATH") }
        return ModelEntry(model: model, parameters: parameters)
    }

    static func parseSlice(_ node: YAMLNode) throws -> OutputSlice {
        var sources: [SliceSource]?
        var slice = OutputSlice(sources: [])
        for (key, value) in try node.mapping(allowed: ["sources", "parameters", "base_model", "residual_weight"]) {
            switch key {
            case "sources": sources = try value.sequence().map(parseSource)
            case "parameters": slice.parameters = try parseParameters(value)
            case "base_model": slice.baseModel = try parseModelReference(value)
            default: break  // residual_weight: in mergekit's schema but unused
            }
        }
        guard let sources, !sources.isEmpty else { throw node.error("has no sources", hint: "add sources: [{model: PATH, layer_range: [0, N]}]") }
        let counts = Set(sources.map(\.layerRange.count))
        if counts.count > 1 {
            throw node.child("sources", node.node).error("all sources of a slice must span the same number of layers (got \(sources.map { "\($0.layerRange.count)" }.joined(separator: ", ")))")
        }
        slice.sources = sources
        return slice
    }

    static func parseSource(_ node: YAMLNode) throws -> SliceSource {
        var model: ModelReference?
        var range: Range<Int>?
        var parameters = ParameterSettings()
        for (key, value) in try node.mapping(allowed: ["model", "layer_range", "parameters"]) {
            switch key {
            case "model": model = try parseModelReference(value)
            case "layer_range":
                let items = try value.sequence()
                guard items.count == 2 else { throw value.error("expected [start, end]") }
                let a = try items[0].int(), b = try items[1].int()
                guard a >= 0, b >= a else { throw value.error("[\(a), \(b)] is not a half-open range [start, end) with 0 <= start <= end") }
                range = a..<b
            default: parameters = try parseParameters(value)
            }
        }
        guard let model else { throw node.error("has no model:") }
        guard let range else { throw node.error("has no layer_range:", hint: "add layer_range: [start, end]") }
        return SliceSource(model: model, layerRange: range, parameters: parameters)
    }

    static func parseModelReference(_ node: YAMLNode) throws -> ModelReference {
        if case .scalar = node.node {
            return try ModelReference(parsing: try node.string(), key: node.location)
        }
        var ref: ModelReference?
        var adapter: (String, String?)?
        var override: String?
        func pathNode(_ n: YAMLNode) throws -> (String, String?) {
            if case .scalar = n.node { return (try n.string(), nil) }
            var path: String?, revision: String?
            for (k, v) in try n.mapping(allowed: ["path", "revision"]) {
                if k == "path" { path = try v.string() } else { revision = v.isNull ? nil : try v.string() }
            }
            guard let path else { throw n.error("has no path:") }
            return (path, revision)
        }
        for (key, value) in try node.mapping(allowed: ["model", "lora", "override_architecture"]) {
            switch key {
            case "model":
                let (p, r) = try pathNode(value)
                ref = ModelReference(path: p, revision: r)
            case "lora":
                if !value.isNull { adapter = try pathNode(value) }
            default:
                override = value.isNull ? nil : try value.string()
            }
        }
        guard var ref else { throw node.error("has no model:") }
        ref.adapter = adapter?.0
        ref.adapterRevision = adapter?.1
        ref.overrideArchitecture = override
        return ref
    }

    static func parseDType(_ node: YAMLNode) throws -> DType {
        let name = try node.string()
        guard let t = DType(userName: name), [.BF16, .F16, .F32].contains(t) else {
            throw node.error("\"\(name)\" is not a dtype a merge can use", hint: "use bfloat16, float16 or float32")
        }
        return t
    }

    // MARK: parameters

    /// `parameters:` — a mapping from parameter name to setting.
    static func parseParameters(_ node: YAMLNode) throws -> ParameterSettings {
        if node.isNull { return ParameterSettings() }
        return ParameterSettings(try node.anyMapping().map { ($0.key, try parseSetting($0.value)) })
    }

    static func parseSetting(_ node: YAMLNode) throws -> ParameterSetting {
        switch node.node {
        case .scalar:
            return .scalar(try node.scalarValue())
        case .mapping:
            return .conditional([try parseCondition(node)])
        case .sequence:
            let items = try node.sequence()
            guard !items.isEmpty else { throw node.error("is an empty list") }
            if items.allSatisfy({ if case .mapping = $0.node { return true }; return false }) {
                return .conditional(try items.map(parseCondition))
            }
            let values = try items.map { item -> ParameterValue in
                guard case .scalar = item.node else {
                    throw item.error("mixes conditions ({filter, value}) with plain values", hint: "write every entry as {filter: ..., value: ...}")
                }
                return try item.scalarValue()
            }
            let numbers = values.compactMap { v -> Double? in
                if case .string = v { return nil }
                return v.number
            }
            return numbers.count == values.count ? .gradient(numbers) : .steps(values)
        case .alias:
            throw node.error("YAML aliases are not supported here")
        }
    }

    static func parseCondition(_ node: YAMLNode) throws -> ParameterCondition {
        var filter: String?
        var value: ParameterSetting?
        for (key, v) in try node.mapping(allowed: ["filter", "value"]) {
            if key == "filter" { filter = v.isNull ? nil : try v.string() } else { value = try parseSetting(v) }
        }
        guard let value else { throw node.error("has no value:", hint: "write {filter: NAME_PART, value: NUMBER}") }
        return ParameterCondition(filter: filter, value: value)
    }

    // MARK: tokenizer

    static func parseTokenizerSource(_ node: YAMLNode) throws -> TokenizerSettings.Source {
        if case .scalar = node.node {
            let s = try node.string()
            if s == "union" { return .union }
            if s == "base" { return .base }
        }
        return .model(try parseModelReference(node))
    }

    static func parseTokenizer(_ node: YAMLNode) throws -> TokenizerSettings {
        var settings = TokenizerSettings()
        for (key, value) in try node.mapping(allowed: ["source", "tokens", "pad_to_multiple_of"]) {
            switch key {
            case "source": settings.source = try parseTokenizerSource(value)
            case "pad_to_multiple_of":
                if !value.isNull {
                    let n = try value.int()
                    guard n > 0 else { throw value.error("must be a positive integer") }
                    settings.padToMultipleOf = n
                }
            default:
                if value.isNull { continue }
                settings.tokens = try value.anyMapping().map { ($0.key, try parseTokenSettings($0.value)) }
            }
        }
        return settings
    }

    static func parseTokenSettings(_ node: YAMLNode) throws -> TokenizerSettings.Token {
        var token = TokenizerSettings.Token(source: nil)
        for (key, value) in try node.mapping(allowed: ["source", "force"]) {
            if key == "force" { token.force = try value.bool(); continue }
            if case .mapping = value.node {
                let members = try value.anyMapping()
                if members.contains(where: { $0.key == "kind" }) {
                    token.source = try parseTokenKind(value)
                    continue
                }
            }
            token.source = .model(try parseModelReference(value))
        }
        return token
    }

    static func parseTokenKind(_ node: YAMLNode) throws -> TokenizerSettings.TokenSource {
        let members = try node.mapping(allowed: ["kind", "model", "token", "token_id"])
        let kind = try members.first { $0.key == "kind" }!.value.string()
        switch kind {
        case "zero":
            if members.count > 1 { throw node.error("kind: zero takes no other keys") }
            return .zero
        case "model_token":
            guard let m = members.first(where: { $0.key == "model" }) else { throw node.error("kind: model_token needs model:") }
            let token = try members.first { $0.key == "token" }.map { try $0.value.string() }
            let id = try members.first { $0.key == "token_id" }.map { try $0.value.int() }
            guard (token == nil) != (id == nil) else {
                throw node.error("kind: model_token needs exactly one of token: or token_id:")
            }
            return .modelToken(model: try parseModelReference(m.value), token: token, tokenID: id)
        default:
            throw node.error("unknown kind \"\(kind)\"", hint: "use kind: zero or kind: model_token")
        }
    }
}
