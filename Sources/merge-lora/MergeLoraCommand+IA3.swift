import AlloyCLI
import AlloyFormat
import AlloyLoRA
import Foundation

/// merge-lora on (IA)³ adapters: PEFT's `IA3Model.add_weighted_adapter`.
extension MergeLoraCommand {
    /// The one kind all adapters share; mixing kinds, or a kind PEFT cannot combine, is an error.
    func adapterKind() throws -> PEFTAdapterKind {
        let kinds = try adapters.map { ($0, try PEFTAdapterKind.of($0)) }
        let first = kinds[0]
        if let other = kinds.first(where: { $0.1 != first.1 }) {
            throw AlloyError(.mismatch, code: "adapter_kind_mismatch",
                             "\(other.0) is \(other.1.withArticle) adapter but \(first.0) is \(first.1.withArticle) adapter; PEFT merges adapters of one kind only",
                             hint: "merge each kind separately, or fold one into the base model first with apply-lora")
        }
        if first.1 == .loha || first.1 == .lokr {
            throw AlloyError(.unsupported, code: "unsupported_adapter",
                             "\(first.0): is \(first.1.withArticle) adapter; PEFT has no add_weighted_adapter for \(first.1.displayName)",
                             hint: "fold it into the base model with apply-lora instead")
        }
        return first.1
    }

    /// Merges (IA)³ adapters linearly and writes the result.
    func runIA3(base: TensorStore?, start: Date) throws -> ExitStatus {
        if let method, method != "linear" {
            throw AlloyError.config("--method \(method)", "(IA)³ adapters are merged linearly (l = Σ w·l per module; PEFT's IA3Model.add_weighted_adapter has no combination types)",
                                    hint: "drop --method or pass --method linear")
        }
        for (given, name) in [(density != nil, "--density"), (svdRank != nil, "--svd-rank"), (svdClamp != nil, "--svd-clamp")] where given {
            throw AlloyError.config(name, "does not apply to (IA)³ adapters, which are merged linearly", hint: "drop \(name)")
        }
        let loaded = try adapters.map { try IA3Adapter(path: $0) }
        let merger = try IA3Merger(adapters: loaded, weights: try parsedWeights(), missingAsIdentity: ia3MissingAsIdentity,
                                   dtype: DType(userName: dtype)!, base: base)
        for w in merger.warnings { Diagnostics.warning(w) }
        let bar = ProgressBar("merge-lora", total: merger.modulePaths.count)
        try merger.write(to: out, progress: { _ in bar.advance() })
        bar.finish()
        let seconds = Date().timeIntervalSince(start)
        switch output.format {
        case .human:
            Diagnostics.info("(IA)³ linear merge of \(loaded.count) adapters: \(merger.modulePaths.count) modules (\(merger.partialModules.count) scaled by only some adapters) written to \(out) in \(String(format: "%.1f", seconds)) s")
        case .json, .ndjson:
            StandardOutput.json(.object([
                ("schema_version", 1), ("tool", "merge-lora"), ("peft_type", "IA3"), ("method", "linear"),
                ("adapters", .array(adapters.map { .string($0) })),
                ("weights", .array(merger.weights.map { .double($0) })),
                ("modules", .int(merger.modulePaths.count)),
                ("partial_modules", .array(merger.partialModules.map { .string($0) })),
                ("missing_as_identity", .bool(ia3MissingAsIdentity)), ("out", .string(out)),
                ("warnings", .array(merger.warnings.map { .string($0) })),
                ("seconds", .double((seconds * 1000).rounded() / 1000)),
            ]), compact: output.format == .ndjson)
        }
        return .success
    }
}
