import AlloyCLI
import AlloyFormat
import AlloyLoRA
import AlloyMath
import ArgumentParser
import Foundation

/// `apply-lora`: folds a LoRA, (IA)³, LoHa or LoKr adapter into its base model's weights.
@main
struct ApplyLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-lora",
        abstract: "Fold a LoRA, (IA)³, LoHa or LoKr adapter into a base model and write the full model (PEFT's merge_and_unload).",
        discussion: """
        Every adapted weight becomes W + scaling·B·A (transposed for fan_in_fan_out layers and \
        embeddings, as PEFT does), computed in float32 and rounded once to the output dtype; \
        lora_B biases are added to the base biases; tensors the adapter saves in full \
        (modules_to_save) replace the base's. Everything else is copied unchanged. The model is \
        streamed tensor by tensor and written in shards with an index, like merge-yaml's output, \
        together with the base's config and tokenizer files. The adapter may be a PEFT directory \
        (adapter_config.json + adapter_model.safetensors) or a kohya-style .safetensors file \
        (lora_down/lora_up/alpha; module names are resolved against the base model).

        Other PEFT kinds, by the adapter's peft_type: (IA)³ makes W ⊙ l, scaling output rows \
        (and the bias) of attention-style targets and input columns of feedforward_modules \
        (fan_in_fan_out transposes l), rounded once to the base's dtype as in PEFT; --scale is \
        refused for it. LoHa adds s·(W1a·W1b) ⊙ (W2a·W2b) and LoKr s·kron(W1, W2), s = alpha/r, \
        reshaped to the weight.

        EXAMPLES:
          apply-lora ../shared/fixtures/models/llama-base ../shared/fixtures/models/lora-a /tmp/llama-merged
          apply-lora BASE ADAPTER OUT --dtype float32 --out-shard-size 2GB --json

        EXIT STATUS:
          0 the model was written; 2 failure (unreadable input, adapter that does not fit the base \
        model: missing module, wrong shape); 64 usage error. Nothing is left at OUT_DIR on failure.
        """)

    @Argument(help: "The base model directory (or .safetensors file / index).")
    var base: String

    @Argument(help: "The adapter: a PEFT adapter directory (LoRA, IA3, LoHa, LoKr) or a kohya .safetensors file.")
    var adapter: String

    @Argument(help: "Where to write the merged model directory.")
    var outDir: String

    @Option(help: "Dtype of the floating-point tensors written (default: each keeps the base's), e.g. bfloat16, float16, float32.")
    var dtype: String?

    @Option(help: "Largest shard, e.g. 5GB, 500MB.")
    var outShardSize = "5GB"

    @Option(help: "Multiply every module's scaling by this (1 = PEFT's merge; LoRA, LoHa, LoKr).")
    var scale: Double = 1

    @Option(name: .shortAndLong, help: "Worker threads (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var output: OutputOptions
    @OptionGroup var verbosity: VerbosityOptions

    static func main() {
        ToolRunner.prepare(toolName: "apply-lora")
        main(nil)
    }

    func validate() throws {
        if let dtype, DType(userName: dtype) == nil || !(DType(userName: dtype)!.isEncodable) {
            throw ValidationError("--dtype \(dtype): not a dtype Alloy can write (bfloat16, float16, float32, float64)")
        }
        if ByteSize.parse(outShardSize) == nil { throw ValidationError("--out-shard-size \(outShardSize): not a size like 5GB") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try ToolRunner.run {
            let start = Date()
            let store = try TensorStore(path: base)
            let lora = try PEFTAdapterKind.open(adapter)
            let folded = try AdapterFoldedSource(base: store, adapter: lora, multiplier: scale)
            let writer = ModelDirectoryWriter(dtype: dtype.flatMap { DType(userName: $0) },
                                              maxShardBytes: ByteSize.parse(outShardSize)!,
                                              threads: threads ?? Parallel.defaultThreads)
            let bar = ProgressBar("apply-lora", total: folded.names.count)
            let result = try writer.write(folded, to: outDir, sideFilesFrom: store.directory,
                                          isChanged: { folded.isChanged($0) }, progress: { _ in bar.advance() })
            bar.finish()
            let seconds = Date().timeIntervalSince(start)
            switch output.format {
            case .human:
                Diagnostics.info("folded \(lora.moduleCount) modules of \(adapter) into \(base): \(result.tensors) tensors (\(result.changedTensors) changed) in \(result.files.filter { $0.hasSuffix(".safetensors") }.count) shard(s) at \(outDir) in \(String(format: "%.1f", seconds)) s")
            case .json, .ndjson:
                StandardOutput.json(.object([
                    ("schema_version", 1), ("tool", "apply-lora"), ("base", .string(base)), ("adapter", .string(adapter)),
                    ("out_dir", .string(outDir)), ("modules_folded", .int(lora.moduleCount)),
                    ("tensors", .int(result.tensors)), ("tensors_changed", .int(result.changedTensors)),
                    ("bytes", .int(result.bytes)), ("files", .array(result.files.map { .string($0) })),
                    ("seconds", .double((seconds * 1000).rounded() / 1000)),
                ]), compact: output.format == .ndjson)
            }
            return .success
        }
    }
}
