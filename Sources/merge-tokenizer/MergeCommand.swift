import AlloyCLI
import AlloyFormat
import AlloyTokenizer
import ArgumentParser

/// `merge-tokenizer merge MODEL... --source union|base|MODEL --out DIR`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the vocabularies of several models into one tokenizer.",
        discussion: """
        Builds the output vocabulary exactly as merge-yaml (and mergekit) do for a tokenizer: section, \
        and writes tokenizer.json, tokenizer_config.json, special_tokens_map.json (when the source has \
        one) and chat_template.jinja (with --chat-template) into OUT.

        The base is --base, or the first MODEL. Its vocabulary loses tokens whose id is at or beyond its \
        config.json vocab_size (padding). --source union keeps the base vocabulary and appends every other \
        model's missing tokens as added tokens (the first definition of an added token wins); --source base \
        keeps the base vocabulary; --source MODEL takes that model's tokenizer unchanged.

        With --json, stdout gets the mapping from every input model's token ids to the merged ids \
        (schema_version 1): {"schema_version": 1, "output", "source", "base", "vocab_size", \
        "padded_vocab_size", "added_tokens", "files", "warnings", "models": [{"model", "rows", \
        "missing", "id_map"}]}, where id_map[i] is the merged id of the model's token i, or null.

        EXAMPLES:
          merge-tokenizer merge ../shared/fixtures/models/llama-base ../shared/fixtures/models/llama-ft3-chatml --out /tmp/tok
          merge-tokenizer merge A B --source base --out tok --json > mapping.json
          merge-tokenizer merge A B --source B --chat-template chatml --add-token '<tool>' --out tok

        EXIT STATUS:
          0  the tokenizer was written
          2  a model, its tokenizer or the output could not be used (one line on stderr says why)
          64 the command line is wrong
        """)

    @Argument(help: "Model directories (each with tokenizer.json; config.json gives vocab_size).")
    var models: [String]

    @Option(name: .long, help: "Output vocabulary: union, base, or a model directory.")
    var source = "union"

    @Option(name: .long, help: "The base model (default: the first MODEL).")
    var base: String?

    @Option(name: .long, help: "The output directory (written atomically).")
    var out: String

    @Option(name: .customLong("add-token"), help: "Add this token if missing (repeatable).")
    var addTokens: [String] = []

    @Option(name: .long, help: "Chat template: auto, alpaca, chatml, exaone, llama3, mistral, or a Jinja template.")
    var chatTemplate: String?

    @Option(name: .long, help: "Report the embedding rows padded to a multiple of N (as pad_to_multiple_of).")
    var padToMultipleOf: Int?

    @OptionGroup var verbosity: VerbosityOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if models.isEmpty { throw ValidationError("give at least one MODEL directory") }
        if let n = padToMultipleOf, n < 1 { throw ValidationError("--pad-to-multiple-of must be at least 1") }
    }

    func run() throws {
        try ToolRunner.run {
            var job = TokenizerMergeJob(models: models, base: base, source: source)
            job.extraTokens = addTokens
            job.chatTemplate = chatTemplate
            job.padToMultipleOf = padToMultipleOf
            let report = try job.run(output: out)
            for w in report.vocabulary.warnings { Diagnostics.warning(w) }
            if output.format == .human {
                let v = report.vocabulary
                Diagnostics.info("wrote \(out): \(v.tokens.count) tokens (\(v.addedTokens.count) added), ids 0..<\(v.size)"
                                 + (report.paddedSize != v.size ? ", \(report.paddedSize) embedding rows" : ""))
            } else {
                StandardOutput.json(Self.json(report, out: out, source: source), compact: output.format == .ndjson)
            }
            return .success
        }
    }

    static func json(_ r: TokenizerMergeJob.Report, out: String, source: String) -> JSONValue {
        let models: [JSONValue] = r.mappings.map { m in
            .object([
                ("model", .string(m.model)), ("rows", .int(m.rows)),
                ("missing", .int(r.vocabulary.permutations[m.model]?.filter { $0 < 0 }.count ?? 0)),
                ("id_map", .array(m.ids.map { $0.map { .int($0) } ?? .null })),
            ])
        }
        return .object([
            ("schema_version", 1), ("output", .string(out)), ("source", .string(source)),
            ("base", .string(r.mappings.first?.model ?? "")), ("vocab_size", .int(r.vocabulary.size)),
            ("padded_vocab_size", .int(r.paddedSize)),
            ("added_tokens", .array(r.vocabulary.addedTokens.map(\.json))),
            ("files", .array(r.files.map { .string($0) })),
            ("warnings", .array(r.vocabulary.warnings.map { .string($0) })),
            ("models", .array(models)),
        ])
    }
}
