import AlloyFormat
import Foundation

/// Which modules `extract-lora` decomposes, saves whole or leaves out, decided from the
/// two models' tensor names the way mergekit-extract-lora decides from the module tree.
public struct ExtractionPlan: Sendable {
    /// What happens to one module.
    public enum Action: Sendable, Equatable {
        /// Low-rank factors of `W_ft − W_base`; `embedding` uses PEFT's `lora_embedding_A/B`.
        case decompose(embedding: Bool)
        /// The fine-tuned weight (and bias) saved at full rank.
        case saveWhole
    }

    /// One module of the fine-tuned model.
    public struct Entry: Sendable {
        public var path: String
        public var action: Action
        /// Tensor names in the fine-tuned / base stores (a tied `lm_head` reads the embedding).
        public var weight: String
        public var baseWeight: String
        public var bias: String?
        public var shape: [Int]
    }

    public var entries: [Entry]
    /// Leaf names for `modules_to_save`, in module order.
    public var modulesToSave: [String]
    public var warnings: [String]

    static let inputEmbeddingLeaves: Set<String> = ["embed_tokens", "wte", "word_embeddings", "embed_in", "tok_embeddings"]
    static let outputEmbeddingLeaves: Set<String> = ["lm_head", "embed_out"]

    /// Plans the extraction of `model − base`.
    public init(model: TensorStore, base: TensorStore, options: ExtractionOptions) throws {
        var warnings: [String] = []
        let ftNames = ExtractionPlan.moduleWeights(model)
        let baseNames = ExtractionPlan.moduleWeights(base)
        let baseIndex = Dictionary(baseNames.map { ($0.path, $0.weight) }, uniquingKeysWith: { a, _ in a })
        var embedLoRA = options.embedLoRA
        // A changed vocabulary cannot be expressed as a LoRA on the base's embeddings.
        for (path, w) in ftNames where ExtractionPlan.isEmbedding(path) {
            if let bw = baseIndex[path], model.info(w)?.shape != base.info(bw)?.shape {
                if embedLoRA { warnings.append("the vocabulary size differs (\(path)): embeddings are saved whole, not decomposed") }
                embedLoRA = false
            }
        }
        for rx in options.includeRegexes + options.excludeRegexes where ModulePattern.search(rx, "") == nil {
            throw AlloyError.config("--include-regex/--exclude-regex", "\"\(rx)\" is not a valid regular expression")
        }
        var saveNames = options.saveModules
        var toSave: [String] = []
        var entries: [Entry] = []
        for (path, weight) in ftNames {
            let leaf = ModulePattern.leaf(path)
            let excluded = options.excludeRegexes.contains { ModulePattern.search($0, path) == true }
            let included = options.includeRegexes.isEmpty || options.includeRegexes.contains { ModulePattern.search($0, path) == true }
            guard let info = model.info(weight) else { continue }
            let bias = model.contains(path + ".bias") ? path + ".bias" : nil
            if !embedLoRA && ExtractionPlan.isEmbedding(path) && !excluded && !saveNames.contains(leaf) {
                saveNames.append(leaf)
            }
            if saveNames.contains(path) || saveNames.contains(leaf) {
                if !toSave.contains(leaf) { toSave.append(leaf) }
                entries.append(Entry(path: path, action: .saveWhole, weight: weight, baseWeight: weight, bias: bias, shape: info.shape))
                continue
            }
            guard included && !excluded else { continue }
            if info.shape.count >= 2 {
                guard let bw = baseIndex[path], let binfo = base.info(bw) else {
                    throw AlloyError(.mismatch, code: "base_mismatch",
                                     "\(base.location): has no weight for module \"\(path)\" of \(model.location)",
                                     hint: "is --base-model the model \(model.location) was fine-tuned from?")
                }
                guard binfo.shape == info.shape else {
                    throw AlloyError(.mismatch, code: "base_mismatch",
                                     "\(path): shape \(info.shape) in \(model.location) but \(binfo.shape) in \(base.location)",
                                     hint: "is --base-model the model \(model.location) was fine-tuned from?")
                }
                let isInputEmbedding = ExtractionPlan.inputEmbeddingLeaves.contains(leaf)
                entries.append(Entry(path: path, action: .decompose(embedding: isInputEmbedding), weight: weight, baseWeight: bw,
                                     bias: bias, shape: info.shape))
            } else if !options.skipUndecomposable {
                if !toSave.contains(leaf) { toSave.append(leaf) }
                entries.append(Entry(path: path, action: .saveWhole, weight: weight, baseWeight: weight, bias: bias, shape: info.shape))
            }
        }
        let decomposed = entries.filter { $0.action != .saveWhole }
        let withBias = decomposed.filter { $0.bias != nil && base.contains($0.bias!) }.count
        if withBias > 0 && withBias < decomposed.count {
            warnings.append("\(withBias) decomposed modules have bias deltas, saved as lora_B.bias; other modules have no bias, so PEFT's lora_bias flag cannot be set and PEFT will ignore these biases (apply-lora adds them)")
        }
        self.entries = entries
        self.modulesToSave = toSave
        self.warnings = warnings
    }

    static func isEmbedding(_ path: String) -> Bool {
        let leaf = ModulePattern.leaf(path)
        return inputEmbeddingLeaves.contains(leaf) || outputEmbeddingLeaves.contains(leaf)
    }

    /// Modules (paths of tensors named `….weight`) in the store's order, with a tied
    /// `lm_head` added (reading the input embedding) when config.json ties them.
    static func moduleWeights(_ store: TensorStore) -> [(path: String, weight: String)] {
        var out: [(String, String)] = []
        for name in store.names where name.hasSuffix(".weight") {
            out.append((String(name.dropLast(7)), name))
        }
        let configPath = (store.directory as NSString).appendingPathComponent("config.json")
        let tied = (try? JSONFile.read(configPath))?["tie_word_embeddings"]?.boolValue ?? false
        if tied, !store.contains("lm_head.weight"),
           let embed = out.first(where: { inputEmbeddingLeaves.contains(ModulePattern.leaf($0.0)) }) {
            out.append(("lm_head", embed.1))
        }
        return out
    }
}
