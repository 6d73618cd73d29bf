import AlloyFormat
import AlloyModel
import Foundation

/// Turns a configuration into a `MergePlan`: opens the models (headers only),
/// checks everything that can be checked without reading tensor data, and
/// resolves every output tensor's inputs and parameters.
public struct MergePlanner: Sendable {
    public var hooks: MergeHooks
    /// Allow models whose `architectures` differ (`--allow-crimes`).
    public var allowCrimes: Bool

    public init(hooks: MergeHooks = .standard, allowCrimes: Bool = false) {
        self.hooks = hooks
        self.allowCrimes = allowCrimes
    }

    /// One output slice, with models as indices into the opened models.
    struct Slice {
        var key: String
        var sources: [Source]
        var parameters: ParameterSettings
        var base: Int?
        var layerCount: Int { sources.first?.range.count ?? 0 }
    }

    struct Source {
        var key: String
        var model: Int
        var range: Range<Int>
        var parameters: ParameterSettings
    }

    public func plan(_ config: MergeConfiguration) throws -> MergePlan {
        let method = try MergeMethodRegistry.method(named: config.mergeMethod)
        var warnings: [String] = []
        try checkParameterNames(config, method, warnings: &warnings)
        let references = config.referencedModels
        let models = try references.map { try ModelSourceFactory.open($0, hooks: hooks) }
        func index(_ r: ModelReference) -> Int { references.firstIndex(of: r)! }
        try checkArchitectures(models)
        let donor = config.baseModel.map(index) ?? 0

        let slices = try buildSlices(config, models: models, index: index)
        for slice in slices { try validateCounts(slice, method: method, models: models, config: config) }

        var transforms: [any InputTransform] = []
        var vocabSize: Int?
        var writeTokenizer: (@Sendable (String) throws -> Void)?
        if config.tokenizer != nil || config.chatTemplate != nil {
            guard let builder = hooks.vocabulary else {
                let key = config.tokenizer == nil ? "chat_template" : (config.tokenizer!.fromLegacyKey ? "tokenizer_source" : "tokenizer")
                throw AlloyError(.unsupported, code: "not_available", "\(key): merged vocabularies and chat templates are not available here",
                                 hint: "remove the \(key) key to copy the tokenizer of the base (or first) model")
            }
            let result = try builder.prepare(VocabularyContext(configuration: config, models: models, donor: models[donor]))
            transforms = result.transforms
            vocabSize = result.vocabSize
            writeTokenizer = result.writeFiles
            warnings += result.warnings
        }

        var tensors: [TensorPlan] = []
        let context = TensorContext(config: config, method: method, models: models, transforms: transforms)
        // Pre-layer tensors: models of the first slice, evaluated at t = 0.
        for name in orderedUnion(slices[0].sources.map { models[$0.model].layout.preLayer }) {
            if let t = try context.plan(name: name, position: .preLayer, slice: slices[0], sliceIndex: 0, t: 0,
                                        inputName: { _, _ in name }, warnings: &warnings) { tensors.append(t) }
        }
        // Layers, renumbered consecutively across slices.
        var outputLayer = 0
        var layerOrigins: [(config: ModelConfig, layer: Int)] = []
        for (s, slice) in slices.enumerated() {
            let n = slice.layerCount
            for j in 0..<n {
                let first = slice.sources[0]
                layerOrigins.append((models[first.model].config, first.range.lowerBound + j))
                let t = n > 1 ? Double(j) / Double(n - 1) : 1
                let suffixes = orderedUnion(slice.sources.map { src -> [String] in
                    let layers = models[src.model].layout.layerSuffixes
                    let i = src.range.lowerBound + j
                    return i < layers.count ? layers[i] : []
                })
                guard let prefix = models[slice.sources[0].model].layout.layerPrefix else { break }
                for suffix in suffixes {
                    let name = "\(prefix).\(outputLayer).\(suffix)"
                    let plan = try context.plan(name: name, position: .layer(outputLayer), slice: slice, sliceIndex: s, t: t,
                                                inputName: { model, _ in
                                                    guard let p = models[model].layout.layerPrefix else { return name }
                                                    return "\(p).\(slice.sources.first { $0.model == model }!.range.lowerBound + j).\(suffix)"
                                                }, warnings: &warnings)
                    if let plan { tensors.append(plan) }
                }
                outputLayer += 1
            }
        }
        // Post-layer tensors: models of the last slice, evaluated at t = 0 (as mergekit does).
        let last = slices.count - 1
        // A head any model has is planned even when the last slice's models are tied: they lend their embedding (as mergekit does).
        let heads = orderedUnion(models.map { $0.layout.postLayer.filter(ModelLayout.isHead) })
        for name in orderedUnion(slices[last].sources.map { models[$0.model].layout.postLayer } + [heads]) {
            if let t = try context.plan(name: name, position: .postLayer, slice: slices[last], sliceIndex: last, t: 0,
                                        inputName: { _, _ in name }, warnings: &warnings) { tensors.append(t) }
        }
        var seen = Set<String>()
        for t in tensors where !seen.insert(t.name).inserted {
            throw AlloyError(.mismatch, code: "duplicate_output", "\(t.name): planned twice; a layer tensor's name looks like a pre- or post-layer tensor's")
        }
        tensors.sort { $0.name < $1.name }

        var outputConfig = models[donor].config
        outputConfig.tieEmbeddingsIfHeadless(wroteHead: tensors.contains { ModelLayout.isHead($0.name) },
                                             inputsHadHead: models.contains { m in m.layout.postLayer.contains(where: ModelLayout.isHead) })
        if let key = outputConfig.layerCountKey {
            // Per-layer lists (layer_types) follow the layers; with models: the layers stay as they are.
            if config.slices != nil { outputConfig.rebuildPerLayerLists(origins: layerOrigins) }
            outputConfig.set(key, .int(outputLayer))
        }
        if let dtype = config.outDType ?? config.dtype {
            for key in outputConfig.dtypeKeys { outputConfig.set(key, .string(dtype.torchName)) }
        }
        if let vocabSize {
            outputConfig.set(outputConfig.json["vocab_size"] == nil && outputConfig.json["text_config"]?["vocab_size"] != nil
                             ? "text_config.vocab_size" : "vocab_size", .int(vocabSize))
        }
        return MergePlan(configuration: config, method: method, models: models, donor: donor, tensors: tensors,
                         layerCount: outputLayer, transforms: transforms, outputConfig: outputConfig, warnings: warnings,
                         writeTokenizer: writeTokenizer)
    }

    /// Names in first-seen order over several lists.
    func orderedUnion(_ lists: [[String]]) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for list in lists { for n in list where seen.insert(n).inserted { out.append(n) } }
        return out
    }

    /// Every parameter name some mergekit method reads.
    static let knownParameterNames: Set<String> = [
        "weight", "density", "gamma", "epsilon", "lambda", "normalize", "rescale", "int8_mask", "t",
        "nuslerp_row_wise", "nuslerp_flatten", "normalize_weights", "eps", "max_iter", "tol", "filter_wise",
        "select_topk", "r", "alpha", "scale",
    ]

    /// Rejects parameter names no method reads (typos, which mergekit ignores silently); names
    /// another method reads, and global parameters given per model, are ignored as mergekit
    /// ignores them, with a warning.
    func checkParameterNames(_ config: MergeConfiguration, _ method: any MergeMethod, warnings: inout [String]) throws {
        let known = Set(method.globalParameters.map(\.name) + method.tensorParameters.map(\.name))
        let globalOnly = Set(method.globalParameters.map(\.name)).subtracting(method.tensorParameters.map(\.name))
        var places: [(String, ParameterSettings, Bool)] = [("parameters", config.parameters, false)]
        for (i, m) in (config.models ?? []).enumerated() { places.append(("models[\(i)].parameters", m.parameters, true)) }
        for (i, s) in (config.slices ?? []).enumerated() {
            places.append(("slices[\(i)].parameters", s.parameters, false))
            for (j, src) in s.sources.enumerated() { places.append(("slices[\(i)].sources[\(j)].parameters", src.parameters, true)) }
        }
        let list = known.sorted().joined(separator: ", ")
        for (key, settings, perModel) in places {
            for name in settings.names {
                if !known.contains(name) {
                    if MergePlanner.knownParameterNames.contains(name) {
                        warnings.append("\(key).\(name): \(method.name) does not use \(name); ignored")
                        continue
                    }
                    let guess = YAMLNode.closest(name, in: Array(known.union(MergePlanner.knownParameterNames))).map { "did you mean \($0)? " } ?? ""
                    throw AlloyError(.config, code: "unknown_parameter", "\(key).\(name): \(method.name) has no parameter \"\(name)\"",
                                     hint: "\(guess)\(known.isEmpty ? "\(method.name) takes no parameters" : "its parameters: \(list)")")
                }
                if perModel && globalOnly.contains(name) {
                    warnings.append("\(key).\(name): \(name) applies to the whole merge, not to one model; ignored here (set it under the top-level parameters:)")
                }
            }
        }
    }

    func checkArchitectures(_ models: [InputModel]) throws {
        guard !allowCrimes, let first = models.first else { return }
        for m in models.dropFirst() where m.config.architecture != first.config.architecture {
            throw AlloyError(.mismatch, code: "architecture_mismatch",
                             "\(m.name): architecture \(m.config.architecture ?? "unknown") differs from \(first.name)'s \(first.config.architecture ?? "unknown")",
                             hint: "pass --allow-crimes to merge them anyway")
        }
    }

    func buildSlices(_ config: MergeConfiguration, models: [InputModel], index: (ModelReference) -> Int) throws -> [Slice] {
        let base = config.baseModel.map(index)
        if let entries = config.models {
            var sources: [Source] = []
            for (i, e) in entries.enumerated() where !sources.contains(where: { $0.model == index(e.model) }) {
                let m = index(e.model)
                sources.append(Source(key: "models[\(i)]", model: m, range: 0..<models[m].layout.layerCount, parameters: e.parameters))
            }
            if let base, !sources.contains(where: { $0.model == base }) {
                sources.append(Source(key: "base_model", model: base, range: 0..<models[base].layout.layerCount, parameters: .init()))
            }
            let counts = Set(sources.map(\.range.count))
            if counts.count > 1 {
                let list = sources.map { "\(models[$0.model].name): \($0.range.count)" }.joined(separator: ", ")
                throw AlloyError(.mismatch, code: "layer_count_mismatch", "models: the models have different layer counts (\(list))",
                                 hint: "use slices: with explicit layer_range values to merge models of different depth")
            }
            return [Slice(key: "models", sources: sources, parameters: .init(), base: base)]
        }
        var out: [Slice] = []
        for (i, s) in (config.slices ?? []).enumerated() {
            var sources: [Source] = []
            for (j, src) in s.sources.enumerated() {
                let m = index(src.model)
                let key = "slices[\(i)].sources[\(j)]"
                let count = models[m].layout.layerCount
                guard src.layerRange.upperBound <= count else {
                    throw AlloyError.config("\(key).layer_range", "[\(src.layerRange.lowerBound), \(src.layerRange.upperBound)] goes past the \(count) layers of \(models[m].name)",
                                            hint: "layer_range is half-open: [start, end) with end <= \(count)")
                }
                if sources.contains(where: { $0.model == m }) { continue }  // the first entry for a model wins
                sources.append(Source(key: key, model: m, range: src.layerRange, parameters: src.parameters))
            }
            out.append(Slice(key: "slices[\(i)]", sources: sources, parameters: s.parameters, base: s.baseModel.map(index) ?? base))
        }
        return out
    }

    func validateCounts(_ slice: Slice, method: any MergeMethod, models: [InputModel], config: MergeConfiguration) throws {
        let hasBase = slice.base.map { b in slice.sources.contains { $0.model == b } } ?? false
        if method.baseRole == .required, let b = slice.base, !hasBase {
            throw AlloyError.config("\(slice.key).sources", "the base model \(models[b].name) is not among this slice's sources, but \(method.name) needs its tensors",
                                    hint: "add a source for the base model with the same layer_range length")
        }
        let others = slice.sources.count - (hasBase ? 1 : 0)
        do {
            try method.validate(models: others, hasBase: hasBase)
        } catch var e as AlloyError {
            if config.slices != nil && e.category == .config && !e.message.hasPrefix(slice.key) { e.message = "\(slice.key): " + e.message }
            throw e
        }
    }
}
