import AlloyFormat
import AlloyModel
import Foundation

/// A standalone tokenizer merge (`merge-tokenizer merge`): reads model
/// directories, merges their vocabularies as `merge-yaml`'s `tokenizer:`
/// section does, and writes the tokenizer files into an output directory.
public struct TokenizerMergeJob: Sendable {
    /// Model directories; the base is `base` or, without it, the first.
    public var models: [String]
    public var base: String?
    /// `union`, `base`, or a model directory.
    public var source: String
    /// Tokens to add when missing.
    public var extraTokens: [String] = []
    /// `auto`, a built-in name, or a Jinja template.
    public var chatTemplate: String?
    /// Pads the reported embedding row count (the tokenizer itself is not padded).
    public var padToMultipleOf: Int?

    public init(models: [String], base: String? = nil, source: String = "union") {
        self.models = models
        self.base = base
        self.source = source
    }

    /// What a merge produced.
    public struct Report: Sendable {
        public var vocabulary: MergedVocabulary
        /// Embedding rows the merged model needs (`vocab_size`), after padding.
        public var paddedSize: Int
        public var files: [String]
        /// Per model: its directory, its rows, and for each of its ids the merged id (nil: not in the merged vocabulary).
        public var mappings: [(model: String, rows: Int, ids: [Int?])]
    }

    /// Runs the merge, writing into `output` (created atomically).
    public func run(output: String) throws -> Report {
        var inputs: [VocabularyInput] = []
        let all = base.map { b in [b] + models.filter { standardized($0) != standardized(b) } } ?? models
        guard !all.isEmpty else { throw AlloyError.config("MODEL", "no models given") }
        for dir in all {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw AlloyError(.config, code: "model_not_found", "\(dir): no such model directory")
            }
            let configPath = (dir as NSString).appendingPathComponent("config.json")
            let rows = FileManager.default.fileExists(atPath: configPath)
                ? try ModelConfig.read(directory: dir).vocabSize : nil
            inputs.append(VocabularyInput(name: dir, tokenizer: try Tokenizer(directory: dir), configVocabSize: rows))
        }
        let vocabularySource: VocabularySource
        switch source {
        case "union": vocabularySource = .union
        case "base": vocabularySource = .base
        default:
            if let m = inputs.first(where: { standardized($0.name) == standardized(source) }) {
                vocabularySource = .model(m.name)
            } else {
                vocabularySource = .external(try Tokenizer(directory: source))
            }
        }
        let template = try chatTemplate.map { try ChatTemplateChoice(parsing: $0, key: "--chat-template") }
        let resolved = template?.resolve(modelTemplates: inputs.map { $0.tokenizer?.chatTemplate })
        if template == .auto, resolved == nil {
            throw AlloyError.config("--chat-template", "auto: none of the models has a chat template")
        }
        let vocabulary = try VocabularyMerger.merge(base: inputs[0], others: Array(inputs.dropFirst()), source: vocabularySource,
                                                    extraTokens: extraTokens)
        let remapper = EmbeddingRemapper(vocabulary: vocabulary, padToMultipleOf: padToMultipleOf, baseModel: inputs[0].name)

        let out = try OutputDirectory(output)
        let files = try MergedTokenizerWriter.write(vocabulary, chatTemplate: resolved, to: out.workingPath)
        try out.commit()

        let mappings = inputs.map { input -> (String, Int, [Int?]) in
            let rows = input.configVocabSize ?? input.tokenizer?.vocabularySize ?? 0
            return (input.name, rows, vocabulary.idMap(for: input.name, rows: rows))
        }
        return Report(vocabulary: vocabulary, paddedSize: remapper.paddedSize, files: files, mappings: mappings)
    }

    private func standardized(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
}

extension MergedVocabulary {
    /// For each of `model`'s ids below `rows`, the merged id of its token (nil when the merged vocabulary lacks it).
    public func idMap(for model: String, rows: Int) -> [Int?] {
        var map = [Int?](repeating: nil, count: rows)
        for (merged, own) in (permutations[model] ?? []).enumerated() where own >= 0 && own < rows && map[own] == nil {
            map[own] = merged
        }
        return map
    }
}
