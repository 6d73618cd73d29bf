import AlloyCLI
import AlloyFormat
import AlloyMath
import AlloyMerge
import ArgumentParser
import Foundation

/// `merge-yaml`: runs a mergekit YAML configuration and writes a Hugging Face model directory.
@main
struct MergeYamlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-yaml",
        abstract: "Merge models as a mergekit YAML configuration describes, into a Hugging Face model directory.",
        discussion: """
        CONFIG is a mergekit-yaml configuration (merge_method, models or slices, base_model, parameters, \
        dtype, out_dtype, ...); '-' reads it from standard input. Model paths in it are local directories, \
        relative to the current directory. A configuration that mergekit-yaml accepts gives the same model; \
        unlike mergekit, unknown keys and parameter names are errors, and every check (paths, layer ranges, \
        parameters, tensor names, shapes) runs before any tensor data is read.

        Tensors are merged one at a time from the memory-mapped inputs on several threads and streamed into \
        shards; the output directory appears only when complete. mergekit flags for GPUs and PyTorch \
        loading (--cuda, --device, --low-cpu-memory, --lazy-unpickle, ...) are accepted and ignored.

        EXAMPLES:
          cd ../shared/fixtures && merge-yaml cases/linear-basic.yml /tmp/merged
          merge-yaml config.yml out --out-shard-size 2B --no-write-model-card
          cat config.yml | merge-yaml - out --json
          merge-yaml config.yml --dry-run     (print the plan, write nothing)

        EXIT STATUS:
          0  the model was written (or, with --dry-run, the plan was printed)
          2  the configuration, a model or the output could not be used (one line on stderr says why)
          64 the command line is wrong
        """)

    @Argument(help: "The mergekit YAML configuration, or '-' for standard input.")
    var config: String

    @Argument(help: "The output model directory (not needed with --dry-run).")
    var outPath: String?

    @Flag(name: .long, help: "Print the merge plan as JSON (schema_version 1) and write nothing.")
    var dryRun = false

    @Option(name: .long, help: "Seed for randomised methods (DARE, DELLA, ...); runs with the same seed give the same model.")
    var randomSeed: UInt64?

    @Option(name: .long, help: "Largest output shard in bytes: an integer with K, M or B (10^3, 10^6, 10^9) as mergekit reads it, or 5GB, 500MiB.")
    var outShardSize = "5B"

    @Flag(inversion: .prefixedNo, help: "Copy the tokenizer and generation_config.json from the base (or first) model.")
    var copyTokenizer = true

    @Flag(inversion: .prefixedNo, help: "Write README.md (a model card) and mergekit_config.yml.")
    var writeModelCard = true

    @Flag(inversion: .prefixedNo, help: "Allow models whose architectures differ.")
    var allowCrimes = false

    @Flag(name: .long, help: """
        Accept embeddings cut to a common vocabulary when the models' vocabularies differ and the configuration \
        has no tokenizer: section (what mergekit does, and Alloy's default too: a warning names the tensors). \
        To keep every token instead, add tokenizer: {source: union}.
        """)
    var unsafeTruncateEmbeddings = false

    @Option(name: [.customShort("j"), .customLong("threads"), .customLong("num-threads")],
            help: "Worker threads (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var verbosity: VerbosityOptions
    @OptionGroup var output: OutputOptions

    // mergekit options that have no meaning here: accepted so that mergekit command lines work.
    @Flag(inversion: .prefixedNo, help: .hidden) var cuda = false
    @Option(help: .hidden) var device: String?
    @Flag(inversion: .prefixedNo, help: .hidden) var lowCpuMemory = false
    @Flag(inversion: .prefixedNo, help: .hidden) var lazyUnpickle = false
    @Flag(inversion: .prefixedNo, help: .hidden) var readToGpu = false
    @Flag(inversion: .prefixedNo, help: .hidden) var multiGpu = false
    @Flag(help: .hidden) var gpuRich = false
    @Flag(name: .customLong("no-quiet"), help: .hidden) var noQuiet = false
    @Flag(inversion: .prefixedNo, help: .hidden) var cloneTensors = false
    @Flag(inversion: .prefixedNo, help: .hidden) var trustRemoteCode = false
    @Flag(inversion: .prefixedNo, help: .hidden) var asyncWrite = false
    @Option(help: .hidden) var writeThreads: Int?
    @Flag(inversion: .prefixedNo, help: .hidden) var safeSerialization = true
    @Option(help: .hidden) var transformersCache: String?
    @Option(help: .hidden) var loraMergeCache: String?
    @Option(help: .hidden) var loraMergeDtype: String?

    static func main() {
        ToolRunner.prepare(toolName: "merge-yaml")
        main(nil)
    }

    func validate() throws {
        if outPath == nil && !dryRun { throw ValidationError("missing OUT_PATH (the output directory)") }
        if ShardSize.parse(outShardSize) == nil {
            throw ValidationError("--out-shard-size \(outShardSize): expected a size such as 5B, 500M, 2GB")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try ToolRunner.run {
            if noQuiet && !verbosity.quiet { Diagnostics.verbosity = 1 + verbosity.verbose }
            noteIgnoredOptions()
            guard safeSerialization else {
                throw AlloyError(.unsupported, code: "unsupported_option", "--no-safe-serialization: Alloy writes safetensors only",
                                 hint: "drop the flag")
            }
            let text = try readConfiguration()
            let configuration = try MergeConfigurationParser.parse(text, origin: config == "-" ? "<stdin>" : config)
            var job = MergeJob(outputPath: outPath ?? "")
            job.maxShardBytes = ShardSize.parse(outShardSize)!
            job.copyTokenizer = copyTokenizer
            job.writeModelCard = writeModelCard
            job.planner = MergePlanner(allowCrimes: allowCrimes)
            job.executor = MergeExecutor(threads: threads ?? Parallel.defaultThreads, seed: randomSeed ?? 0)
            let plan = try job.plan(configuration)
            for w in plan.warnings { Diagnostics.warning(w) }
            if dryRun {
                StandardOutput.json(plan.json, compact: output.format == .ndjson)
                return .success
            }
            Diagnostics.verbose("\(plan.method.name): \(plan.tensors.count) tensors, \(plan.layerCount) layers, \(ByteSize.format(plan.outputBytes)) to write")
            let bar = ProgressBar("merging", total: plan.tensors.count)
            let summary = try job.run(plan) { bar.advance() }
            bar.finish()
            if output.format != .human {
                StandardOutput.json(summaryJSON(summary, plan: plan), compact: output.format == .ndjson)
            } else {
                Diagnostics.info("wrote \(summary.tensors) tensors (\(ByteSize.format(summary.bytesWritten))) to \(outPath!) in \(String(format: "%.1f", summary.seconds)) s")
            }
            return .success
        }
    }

    func readConfiguration() throws -> String {
        if config == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return String(decoding: data, as: UTF8.self)
        }
        guard FileManager.default.fileExists(atPath: config) else {
            throw AlloyError.io(config, "no such configuration file")
        }
        do { return try String(contentsOfFile: config, encoding: .utf8) } catch {
            throw AlloyError.io(config, "cannot read: \(error.localizedDescription)")
        }
    }

    func noteIgnoredOptions() {
        let ignored: [(Bool, String)] = [
            (cuda, "--cuda"), (device != nil, "--device"), (lowCpuMemory, "--low-cpu-memory"), (lazyUnpickle, "--lazy-unpickle"),
            (readToGpu, "--read-to-gpu"), (multiGpu, "--multi-gpu"), (gpuRich, "--gpu-rich"), (cloneTensors, "--clone-tensors"),
            (trustRemoteCode, "--trust-remote-code"), (asyncWrite, "--async-write"), (writeThreads != nil, "--write-threads"),
            (transformersCache != nil, "--transformers-cache"), (loraMergeCache != nil, "--lora-merge-cache"),
            (loraMergeDtype != nil, "--lora-merge-dtype"),
        ]
        let used = ignored.filter(\.0).map(\.1)
        if !used.isEmpty {
            Diagnostics.info("note: \(used.joined(separator: ", ")) \(used.count == 1 ? "has" : "have") no effect here (CPU streaming merge) and \(used.count == 1 ? "is" : "are") ignored")
        }
    }

    func summaryJSON(_ s: MergeJob.Summary, plan: MergePlan) -> JSONValue {
        .object([
            ("schema_version", 1), ("tool", "merge-yaml"), ("output", .string(outPath ?? "")),
            ("merge_method", .string(plan.method.name)), ("tensors", .int(s.tensors)), ("layers", .int(s.layers)),
            ("bytes_read", .int(s.bytesRead)), ("bytes_written", .int(s.bytesWritten)),
            ("seconds", .double((s.seconds * 1000).rounded() / 1000)),
            ("files", .array(s.files.map { .string($0) })), ("warnings", .array(s.warnings.map { .string($0) })),
        ])
    }
}
