import AlloyFormat
import AlloyModel
import AlloyTokenizer
import Foundation

/// Connects vocabulary merging to `merge-yaml`: reads the configuration's
/// `tokenizer:` / `tokenizer_source:` / `chat_template:` keys, builds the
/// merged vocabulary, and hands the plan its embedding transform, the output
/// `vocab_size` and the tokenizer files to write.
public struct TokenizerVocabularyBuilder: VocabularyBuilder {
    public init() {}

    public func prepare(_ context: VocabularyContext) throws -> VocabularyResult {
        let config = context.configuration
        let template = try config.chatTemplate.map { try ChatTemplateChoice(parsing: $0) }
        let tokenizers = context.models.map { try? Tokenizer(directory: $0.directory) }
        let resolvedTemplate = template?.resolve(modelTemplates: tokenizers.map { $0?.chatTemplate })
        if template == .auto, resolvedTemplate == nil {
            throw AlloyError.config("chat_template", "auto: none of the models has a chat template", hint: "name a template (chatml, llama3, ...) instead")
        }
        guard let settings = config.tokenizer else {
            // chat_template alone: the donor's tokenizer with the template applied.
            let donor = context.donor.directory
            return VocabularyResult(transforms: [], vocabSize: nil) { directory in
                try TokenizerFiles.copy(from: donor, to: directory)
                if let t = resolvedTemplate { try ChatTemplateFiles.apply(t, in: directory) }
            }
        }
        let key = settings.fromLegacyKey ? "tokenizer_source" : "tokenizer"
        let models = context.models
        func name(of reference: ModelReference, key: String) throws -> String {
            guard let m = models.first(where: { $0.reference.identity == reference.identity }) else {
                throw AlloyError.config(key, "\(reference) is not one of the merged models", hint: "use a model listed under models: or base_model:")
            }
            return m.name
        }
        let baseIndex = config.baseModel.flatMap { b in models.firstIndex { $0.reference.identity == b.identity } } ?? 0
        let inputs = models.enumerated().map { i, m in
            VocabularyInput(name: m.name, tokenizer: tokenizers[i], configVocabSize: m.config.vocabSize)
        }
        for (i, t) in tokenizers.enumerated() where t == nil {
            // Load again to surface the reason (missing file, bad JSON) for the base.
            if i == baseIndex { _ = try Tokenizer(directory: models[i].directory) }
        }
        let source: VocabularySource
        switch settings.source {
        case .union: source = .union
        case .base: source = .base
        case .model(let ref):
            if let m = models.first(where: { $0.reference.identity == ref.identity }) {
                source = .model(m.name)
            } else {
                source = .external(try Tokenizer(directory: ref.path))
            }
        }
        var rules: [TokenEmbeddingRule] = []
        for (token, s) in settings.tokens {
            let k = "\(key).tokens.\(token).source"
            var embedding: TokenEmbeddingSource?
            switch s.source {
            case nil: embedding = nil
            case .zero: embedding = .zero
            case .model(let ref): embedding = .model(try name(of: ref, key: k))
            case .modelToken(let ref, let token, let id): embedding = .modelToken(model: try name(of: ref, key: k), token: token, tokenID: id)
            }
            rules.append(TokenEmbeddingRule(token: token, source: embedding, force: s.force))
        }
        let vocabulary = try VocabularyMerger.merge(base: inputs[baseIndex], others: inputs.enumerated().filter { $0.offset != baseIndex }.map(\.element),
                                                    source: source, extraTokens: settings.tokens.map(\.token))
        let remapper = EmbeddingRemapper(vocabulary: vocabulary, rules: rules, padToMultipleOf: settings.padToMultipleOf,
                                         baseModel: config.baseModel == nil ? nil : inputs[baseIndex].name)
        let working = config.dtype
        let sources = models.map(\.source)
        let embeddingName = models.compactMap(\.layout.embedding).first
        let transform = VocabularyTransform(remapper: remapper,
                                            isEmbedding: { ModelLayout.isEmbedding($0) || ModelLayout.isHead($0) },
                                            rounding: { name in
                                                working ?? sources.lazy.compactMap { $0.info(name)?.dtype ?? embeddingName.flatMap($0.info)?.dtype }.first
                                            })
        return VocabularyResult(transforms: [transform], vocabSize: remapper.paddedSize,
                                warnings: vocabulary.warnings + remapper.tokensWithoutRows()) { directory in
            try MergedTokenizerWriter.write(vocabulary, chatTemplate: resolvedTemplate, to: directory)
        }
    }
}

/// Puts a chat template where `transformers` reads it, in an existing tokenizer directory.
enum ChatTemplateFiles {
    static func apply(_ template: String, in directory: String) throws {
        let configPath = (directory as NSString).appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: configPath) {
            var config = try JSONFile.read(configPath)
            if config["chat_template"] != nil {
                config["chat_template"] = nil
                try JSONFile.write(config, to: configPath, writer: .pretty)
            }
        }
        try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent("chat_template.json"))
        try MergedTokenizerWriter.write(template, to: (directory as NSString).appendingPathComponent("chat_template.jinja"))
    }
}
