import AlloyFormat
import AlloyMath
import Foundation

/// What to transplant where.
public struct TransplantRequest: Sendable {
    /// The model directory that receives the new tokenizer.
    public var model: String
    /// The model directory whose tokenizer (and embeddings, for guidance) is used.
    public var donor: String
    /// Where the new model goes.
    public var output: String
    public var options: TransplantOptions

    public init(model: String, donor: String, output: String, options: TransplantOptions = TransplantOptions()) {
        self.model = model
        self.donor = donor
        self.output = output
        self.options = options
    }
}

/// What a transplant did.
public struct TransplantResult: Sendable {
    public var output: String
    /// Rows of the new embedding (and `vocab_size` in the new config).
    public var vocabularySize: Int
    /// One entry per rebuilt matrix (input embedding, then LM head if the model has one).
    public var matrices: [EmbeddingRebuild.Statistics]
    /// Files written, relative to the output directory.
    public var files: [String]
    /// With `--magikarp`: tokens well trained in both models.
    public var commonWellTrained: Int?
}

/// Gives a model another model's tokenizer (mergekit-tokensurgeon): the embedding and
/// LM head are re-indexed to the donor's vocabulary, rows of tokens the model lacks
/// are approximated, every other tensor is copied unchanged (streamed one at a time),
/// `config.json` gets the new `vocab_size` and the donor's token ids, and the donor's
/// tokenizer files are copied as they are.
public enum TokenizerTransplant {
    /// Tokenizer files copied from the donor when present.
    public static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "tokenizer.model", "spiece.model", "sentencepiece.bpe.model", "vocab.json", "merges.txt", "vocab.txt",
        "chat_template.jinja", "chat_template.json",
    ]

    public static func run(_ request: TransplantRequest, log: (String) -> Void = { _ in },
                           progress: ((String, Int, Int) -> Void)? = nil) throws -> TransplantResult {
        let options = request.options
        for (role, path) in [("model", request.model), ("donor", request.donor)] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw AlloyError.io(path, "the \(role) must be a model directory (config.json, safetensors weights, tokenizer.json)")
            }
        }
        let modelStore = try TensorStore(path: request.model)
        let donorStore = try TensorStore(path: request.donor)
        let modelConfig = try readConfig(request.model)
        let donorConfig = try readConfig(request.donor)

        guard let embedName = EmbeddingTensors.embedding(in: modelStore) else {
            throw AlloyError(.unsupported, code: "no_embedding", "\(request.model): no input embedding tensor found (looked for \(EmbeddingTensors.embeddingNames[0]) and similar names)")
        }
        let headName = EmbeddingTensors.head(in: modelStore)
        guard let donorEmbedName = EmbeddingTensors.embedding(in: donorStore) else {
            throw AlloyError(.unsupported, code: "no_embedding", "\(request.donor): no input embedding tensor found (looked for \(EmbeddingTensors.embeddingNames[0]) and similar names)")
        }
        let donorHeadName = EmbeddingTensors.head(in: donorStore) ?? donorEmbedName  // tied donor: its embedding serves as head

        var modelVocabulary = try TransplantVocabulary(directory: request.model)
        let donorVocabulary = try TransplantVocabulary(directory: request.donor)
        log("model tokenizer: \(modelVocabulary.count) tokens (word-start marker \(modelVocabulary.wordStartMarker)); donor tokenizer: \(donorVocabulary.count) tokens (\(donorVocabulary.wordStartMarker))")

        func matrix(_ store: TensorStore, _ name: String) throws -> EmbeddingMatrix {
            guard let info = store.info(name), info.shape.count == 2, info.dtype.isFloatingPoint else {
                throw AlloyError(.unsupported, code: "bad_embedding", "\(store.location): tensor \"\(name)\" is not a 2-D floating-point matrix")
            }
            defer { store.release(name) }
            return EmbeddingMatrix(try store.tensor(name))
        }

        // Magikarp: keep only tokens well trained in both models; junk = donor tokens bad in both.
        var junk: [Int] = []
        var commonWellTrained: Int?
        if options.magikarp {
            let modelBad = try badRows(store: modelStore, vocabulary: modelVocabulary, embed: embedName, head: headName, matrix: matrix)
            let donorBad = try badRows(store: donorStore, vocabulary: donorVocabulary, embed: donorEmbedName, head: donorHeadName, matrix: matrix)
            let wellModel = Magikarp.Verdict(badRows: modelBad).wellTrained(modelVocabulary)
            let wellDonor = Magikarp.Verdict(badRows: donorBad).wellTrained(donorVocabulary)
            let common = wellModel.intersection(wellDonor)
            modelVocabulary = modelVocabulary.filtered { common.contains($0.normalized) }
            junk = donorVocabulary.entries.filter { !wellDonor.contains($0.normalized) && !wellModel.contains($0.normalized) }.map(\.id)
            commonWellTrained = common.count
            log("magikarp: \(common.count) tokens well trained in both models; \(junk.count) junk donor tokens will be zeroed")
        }

        var encode: (@Sendable (String) throws -> [Int])?
        if options.method == .subword {
            let tokenizer = try Tokenizer(directory: request.model)
            encode = { tokenizer.encode($0, addSpecialTokens: false) }
        }
        let donorEntries = Dictionary(donorVocabulary.entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let donorText: @Sendable (Int) -> String = { id in donorEntries[id].map(donorVocabulary.text(of:)) ?? "" }

        let rowCount = max(donorVocabulary.count, donorVocabulary.maxID + 1)
        let output = try OutputDirectory(request.output)
        var specs: [TensorSpec] = []
        for name in modelStore.names {
            guard let info = modelStore.info(name) else { continue }
            if name == embedName || name == headName {
                specs.append(TensorSpec(name: name, dtype: info.dtype, shape: [rowCount, info.shape[1]]))
            } else {
                specs.append(TensorSpec(name: name, dtype: info.dtype, shape: info.shape))
            }
        }
        let writer = try ShardedWriter(directory: output.workingPath, tensors: specs, maxShardBytes: options.maxShardBytes)

        var statistics: [EmbeddingRebuild.Statistics] = []
        let jobs: [(name: String, donorName: String, isHead: Bool)] =
            [(embedName, donorEmbedName, false)] + (headName.map { [($0, donorHeadName, true)] } ?? [])
        for job in jobs {
            let model = try matrix(modelStore, job.name)
            let donor = try matrix(donorStore, job.donorName)
            let alignment = VocabularyAlignment(model: modelVocabulary, donor: donorVocabulary, modelRows: model.rows, donorRows: donor.rows,
                                                allowPrefix: options.prefixMatch.allows(lmHead: job.isHead),
                                                allowByte: options.byteMatch.allows(lmHead: job.isHead))
            let context = ApproximationContext(tensorName: job.name, model: model, donor: donor, shared: alignment.shared,
                                               isLMHead: job.isHead, options: options, donorText: donorText,
                                               encodeWithModelTokenizer: encode,
                                               modelRope: TransplantConfig.ropeGeometry(modelConfig),
                                               donorRope: TransplantConfig.ropeGeometry(donorConfig))
            let total = alignment.unmatched.count
            var done = 0
            let (rebuilt, stats) = try EmbeddingRebuild.build(context, alignment: alignment, junk: junk) { n in
                done += n
                progress?(job.name, done, total)
            }
            log("\(job.name): \(stats.exact) exact, \(stats.byte) byte, \(stats.prefix) prefix matches; \(stats.approximated) approximated with \(options.method.rawValue)"
                + (stats.withoutDonorRow > 0 ? "; \(stats.withoutDonorRow) without a donor row (model mean)" : "")
                + (stats.junk > 0 ? "; \(stats.junk) junk zeroed" : ""))
            try writer.write(job.name, values: rebuilt.values)
            statistics.append(stats)
        }

        // Every other tensor is copied as stored, one at a time.
        let others = modelStore.names.filter { $0 != embedName && $0 != headName }
        try Parallel.forEach(others.count, threads: min(options.threads, 4)) { i in
            let name = others[i]
            try writer.write(name, bytes: try modelStore.bytes(name))
            modelStore.release(name)
        }
        var files = try writer.finish()

        let config = TransplantConfig.output(model: modelConfig, donor: donorConfig, vocabularySize: rowCount)
        try JSONFile.write(config, to: output.path("config.json"), writer: .huggingFaceConfig)
        files.append("config.json")
        for file in tokenizerFiles {
            let source = (request.donor as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: source) else { continue }
            do {
                try FileManager.default.copyItem(atPath: source, toPath: output.path(file))
            } catch {
                throw AlloyError.io(output.path(file), "cannot copy the donor's \(file): \(error.localizedDescription)")
            }
            files.append(file)
        }
        try output.commit()
        return TransplantResult(output: output.finalPath, vocabularySize: rowCount, matrices: statistics, files: files,
                                commonWellTrained: commonWellTrained)
    }

    static func readConfig(_ directory: String) throws -> JSONValue {
        let path = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw AlloyError.io(directory, "has no config.json", hint: "give a Hugging Face model directory")
        }
        let config = try JSONFile.read(path)
        guard config.objectValue != nil else {
            throw AlloyError(.invalidData, code: "invalid_config", "\(path): is not a JSON object")
        }
        return config
    }

    /// Magikarp's bad rows of one model, reading its matrices one at a time.
    static func badRows(store: TensorStore, vocabulary: TransplantVocabulary, embed: String, head: String?,
                        matrix: (TensorStore, String) throws -> EmbeddingMatrix) throws -> Set<Int> {
        let embedding = try matrix(store, embed)
        let unused = Magikarp.unusedRows(vocabulary, rows: embedding.rows)
        var bad = Magikarp.badEmbeddingRows(embedding, unused: unused, hasHead: head != nil)
        if let head {
            bad.formUnion(Magikarp.badHeadRows(try matrix(store, head), unused: unused))
        }
        return bad
    }
}
