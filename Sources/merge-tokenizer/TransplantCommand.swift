import AlloyCLI
import AlloyFormat
import AlloyMath
import AlloyTokenizer
import ArgumentParser
import Foundation

extension ApproximationMethod: ExpressibleByArgument {}
extension WeightScheme: ExpressibleByArgument {}
extension SubwordMethod: ExpressibleByArgument {}
extension MatchScope: ExpressibleByArgument {}

/// `merge-tokenizer transplant MODEL DONOR OUT_DIR`: mergekit-tokensurgeon.
struct TransplantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transplant",
        abstract: "Give a model another model's tokenizer (mergekit-tokensurgeon).",
        discussion: """
            Re-indexes MODEL's input embedding and LM head to DONOR's vocabulary. Tokens both \
            tokenizers have keep MODEL's rows (tokens are compared after normalizing the word-start \
            marker, Ġ or ▁, and mapping special tokens to their role, so <s> matches <|begin_of_text|>). \
            Rows for tokens MODEL lacks are approximated with --approximation-method, by default \
            orthogonal matching pursuit: each new token's DONOR embedding is written as a sparse \
            combination of -k shared tokens, and the same combination of MODEL's rows becomes its \
            row. Every other tensor is copied unchanged, config.json gets the new vocab_size and \
            DONOR's token ids, and DONOR's tokenizer files are copied.

            Options are spelled as mergekit-tokensurgeon spells them. Differences from mergekit 0.1.5: \
            --prefix-match/--byte-match embed|lm_head apply to the matrix they name (mergekit swaps \
            them); stb and mp_rope work; landmark_pca applies the Procrustes rotation in the right \
            direction; random draws are reproducible per tensor and token with --random-seed.

            EXAMPLES:
              merge-tokenizer transplant ./llama ./qwen ./llama-qwen-vocab
              merge-tokenizer transplant ./llama ./donor ./out -k 8 -a omp --random-seed 42
              merge-tokenizer transplant ./llama ./donor ./out -a common_interpolation -k 8 -w barycentric
              merge-tokenizer transplant ./llama ./donor ./out -a subword -s first_last --json

            EXIT STATUS:
              0 the new model was written; 2 failure (unreadable input, no shared tokens, bad \
            option values; nothing is left at OUT_DIR); 64 usage error.
            """)

    @Argument(help: "The model that receives the new tokenizer (a Hugging Face model directory).")
    var model: String

    @Argument(help: "The model whose tokenizer is transplanted.")
    var donor: String

    @Argument(help: "Output directory (written atomically).")
    var outDir: String

    @Option(name: [.customShort("k"), .customLong("k")], help: ArgumentHelp("Atoms (omp, stb, mp_rope) or neighbours (common_interpolation).", valueName: "n"))
    var k = 64

    @Flag(name: [.customShort("c"), .customLong("cosine-similarity")], help: "common_interpolation: cosine distance instead of Euclidean.")
    var cosineSimilarity = false

    @Flag(name: [.customLong("nc", withSingleDash: true), .customLong("no-cosine-similarity")], help: "Euclidean distance (the default).")
    var noCosineSimilarity = false

    @Option(name: [.customShort("a"), .customLong("approximation-method")],
            help: "How to make rows for tokens the model lacks.")
    var approximationMethod: ApproximationMethod = .omp

    @Option(name: [.customShort("w"), .customLong("weight-scheme")],
            help: "How common_interpolation weighs the neighbours.")
    var weightScheme: WeightScheme = .distanceProportional

    @Option(name: [.customShort("s"), .customLong("subword-method")],
            help: "How subword combines the pieces.")
    var subwordMethod: SubwordMethod = .mean

    @Option(name: .customLong("batch-size"), help: "New tokens approximated per batch (≤ 0: all at once).")
    var batchSize = 512

    @Option(name: [.customLong("pm", withSingleDash: true), .customLong("prefix-match")],
            help: ArgumentHelp("Give unmatched tokens the row of their longest known prefix (both matrices, or only embed / lm_head).", valueName: "scope"))
    var prefixMatch: MatchScope = .no

    @Option(name: [.customLong("bm", withSingleDash: true), .customLong("byte-match")],
            help: ArgumentHelp("Match one-byte characters with <0xNN> byte tokens and back.", valueName: "scope"))
    var byteMatch: MatchScope = .no

    @Flag(inversion: .prefixedNo, help: "Drop under-trained tokens (Magikarp) from the shared set; zero donor tokens under-trained in both.")
    var magikarp = false

    @Option(name: [.customLong("nvn", withSingleDash: true), .customLong("new-vocab-noise")], help: ArgumentHelp("Add N(0, σ²) noise to approximated rows.", valueName: "sigma"))
    var newVocabNoise: Float?

    @Option(name: [.customLong("nvs", withSingleDash: true), .customLong("new-vocab-scale")], help: ArgumentHelp("Scale approximated rows by this factor.", valueName: "factor"))
    var newVocabScale: Float?

    @Option(name: .customLong("random-seed"), help: "Seed for randn, john_hewitt and --new-vocab-noise (reproducible runs).")
    var randomSeed: Int?

    @Option(name: .customLong("out-shard-size"), help: "Largest output shard (mergekit spelling: 5B = 5 billion bytes; also 500MB, 2GiB).")
    var outShardSize = "5B"

    @Option(name: [.customShort("j"), .customLong("num-threads")], help: "Worker threads (default: all cores).")
    var numThreads: Int?

    @OptionGroup var verbosity: VerbosityOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var compatibility: MergekitCompatibilityOptions

    func validate() throws {
        if k < 1 { throw ValidationError("-k must be at least 1") }
        if cosineSimilarity && noCosineSimilarity { throw ValidationError("-c and -nc contradict each other") }
        if mergekitSize(outShardSize) == nil { throw ValidationError("--out-shard-size: cannot read \"\(outShardSize)\" (try 5B or 500MB)") }
        if let n = numThreads, n < 1 { throw ValidationError("--num-threads must be at least 1") }
    }

    func run() throws {
        try ToolRunner.run {
            var options = TransplantOptions()
            options.method = approximationMethod
            options.k = k
            options.cosineSimilarity = cosineSimilarity
            options.weightScheme = weightScheme
            options.subwordMethod = subwordMethod
            options.batchSize = batchSize
            options.prefixMatch = prefixMatch
            options.byteMatch = byteMatch
            options.magikarp = magikarp
            options.newVocabNoise = newVocabNoise
            options.newVocabScale = newVocabScale
            options.seed = randomSeed.map { UInt64(bitPattern: Int64($0)) }
            options.threads = numThreads ?? Parallel.defaultThreads
            options.maxShardBytes = mergekitSize(outShardSize) ?? 5_000_000_000
            let request = TransplantRequest(model: model, donor: donor, output: outDir, options: options)

            var bar: ProgressBar?
            var reported = 0
            let result = try TokenizerTransplant.run(request, log: { Diagnostics.verbose($0) }) { tensor, done, total in
                if bar == nil { bar = ProgressBar("approximating \(tensor)", total: total); reported = 0 }
                bar?.advance(by: done - reported)
                reported = done
                if done >= total { bar?.finish(); bar = nil }
            }
            report(result)
            return .success
        }
    }

    func report(_ result: TransplantResult) {
        switch output.format {
        case .json, .ndjson:
            var object: [(String, JSONValue)] = [
                ("schema_version", 1), ("tool", "merge-tokenizer"), ("command", "transplant"),
                ("output", .string(result.output)), ("method", .string(approximationMethod.rawValue)),
                ("vocab_size", .int(result.vocabularySize)),
                ("tensors", .array(result.matrices.map { s in
                    .object([("name", .string(s.tensor)), ("rows", .int(s.rows)), ("exact", .int(s.exact)),
                             ("byte", .int(s.byte)), ("prefix", .int(s.prefix)), ("approximated", .int(s.approximated)),
                             ("without_donor_row", .int(s.withoutDonorRow)), ("junk", .int(s.junk))])
                })),
                ("files", .array(result.files.map { .string($0) })),
            ]
            if let common = result.commonWellTrained { object.append(("common_well_trained", .int(common))) }
            StandardOutput.json(.object(object), compact: output.format == .ndjson)
        case .human:
            for s in result.matrices {
                Diagnostics.info("\(s.tensor): \(s.exact) exact, \(s.byte) byte, \(s.prefix) prefix, \(s.approximated) approximated (\(approximationMethod.rawValue))")
            }
            Diagnostics.info("wrote \(result.output) (vocab_size \(result.vocabularySize))")
        }
    }
}

/// mergekit's size spelling: a bare `B` suffix means billions (`5B` = 5·10⁹ bytes),
/// `K`/`M` thousands and millions; anything else as `ByteSize` reads it.
func mergekitSize(_ text: String) -> Int? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if let last = s.last, "BbKkMm".contains(last), let v = Double(s.dropLast()), v > 0 {
        let scale: Double = "Bb".contains(last) ? 1e9 : ("Kk".contains(last) ? 1e3 : 1e6)
        return Int((v * scale).rounded())
    }
    return ByteSize.parse(s)
}

/// mergekit's shared options that make no difference here, accepted so command lines
/// written for mergekit run unchanged.
struct MergekitCompatibilityOptions: ParsableArguments {
    @Option(name: .customLong("device"), help: .hidden) var device: String?
    @Flag(inversion: .prefixedNo, help: .hidden) var cuda = false
    @Flag(inversion: .prefixedNo, help: .hidden) var trustRemoteCode = false
    @Flag(inversion: .prefixedNo, help: .hidden) var lazyUnpickle = false
    @Flag(inversion: .prefixedNo, help: .hidden) var lowCpuMemory = false
    @Flag(inversion: .prefixedNo, help: .hidden) var readToGpu = false
    @Flag(inversion: .prefixedNo, help: .hidden) var multiGpu = false
    @Flag(inversion: .prefixedNo, help: .hidden) var cloneTensors = false
    @Flag(inversion: .prefixedNo, help: .hidden) var asyncWrite = false
    @Flag(inversion: .prefixedNo, help: .hidden) var copyTokenizer = true
    @Flag(inversion: .prefixedNo, help: .hidden) var writeModelCard = true
    @Flag(inversion: .prefixedNo, help: .hidden) var safeSerialization = true
    @Flag(inversion: .prefixedNo, help: .hidden) var allowCrimes = false
    @Flag(name: .customLong("gpu-rich"), help: .hidden) var gpuRich = false
    @Option(name: .customLong("transformers-cache"), help: .hidden) var transformersCache: String?
    @Option(name: .customLong("lora-merge-cache"), help: .hidden) var loraMergeCache: String?
    @Option(name: .customLong("lora-merge-dtype"), help: .hidden) var loraMergeDtype: String?
    @Option(name: .customLong("write-threads"), help: .hidden) var writeThreads: Int?

    func validate() throws {
        if !safeSerialization {
            throw ValidationError("--no-safe-serialization: Alloy writes safetensors only")
        }
    }
}
