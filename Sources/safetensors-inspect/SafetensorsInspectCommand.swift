import AlloyCLI
import AlloyMath
import ArgumentParser
import Foundation

/// `safetensors-inspect`: lists, totals and validates the tensors of safetensors
/// files, shard sets and model directories, reading headers only unless asked for statistics.
@main
struct SafetensorsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safetensors-inspect",
        abstract: "Describe and validate safetensors files, shard sets and model directories.",
        discussion: """
        Each INPUT is a .safetensors file, a model.safetensors.index.json (its shards are \
        found through weight_map, never by globbing), or a model directory holding either. \
        Only headers are read, unless --stats asks for the values. Validation follows the \
        reference safetensors reader (header at most 100,000,000 bytes, a JSON object, \
        known dtypes, data_offsets contiguous from 0 with no holes, overlaps or trailing \
        bytes, byte length = dtype size × shape) and also rejects duplicate names; Git-LFS \
        pointers, truncated downloads, HTML error pages and broken indexes are named as such.

        The default output is a table of tensors (name, dtype, shape, parameters, bytes, \
        and file for shard sets), totals per dtype, the metadata and the verdict. --json \
        prints one document, --ndjson one record per tensor then a summary record per \
        input; both carry schema_version 1 and are described in docs/safetensors-inspect.md.

        --stats adds, per tensor, min, max, mean, population standard deviation, mean \
        |x|, and the number of zeros, NaNs and infinities (moments over finite values, \
        accumulated in double precision), computed in parallel a piece at a time.

        EXAMPLES:
          safetensors-inspect model.safetensors
          safetensors-inspect --filter 'layers\\.0\\.' --sort name models/llama/
          safetensors-inspect --json models/llama/model.safetensors.index.json | jq '.inputs[0].parameters'
          safetensors-inspect --ndjson model.safetensors | jq -r 'select(.type=="tensor") | .name'
          safetensors-inspect --metadata adapter_model.safetensors
          safetensors-inspect --stats --filter 'norm' models/llama/
          safetensors-inspect downloads/*.safetensors >/dev/null && echo all valid

        EXIT STATUS:
          0   every input is valid
          1   an input violates the format (the report is still printed)
          2   an input could not be read (missing, unreadable, I/O error)
          64  the command line is wrong
        """
    )

    @Argument(help: ArgumentHelp("Safetensors files, index files or model directories.", valueName: "input"),
              completion: .file(extensions: ["safetensors", "json"]))
    var inputs: [String]

    @Option(name: .long, help: ArgumentHelp("List only tensors whose name matches this regular expression.", valueName: "regex"))
    var filter: String?

    @Option(name: .long, help: "Order of the tensor list: file (storage order), name (natural order), size (largest first).")
    var sort: TensorOrder = .file

    @Flag(name: .long, help: "Show only the metadata (and the verdict), not the tensors.")
    var metadata = false

    @Flag(name: .long, help: "Compute per-tensor statistics (reads every value).")
    var stats = false

    @Option(name: .long, help: "Threads for --stats (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var output: OutputOptions
    @OptionGroup var verbosity: VerbosityOptions

    enum TensorOrder: String, ExpressibleByArgument, CaseIterable {
        case file, name, size
    }

    static func main() {
        ToolRunner.prepare(toolName: "safetensors-inspect")
        main(nil)
    }

    mutating func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one file, index or directory") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let filter {
            do { _ = try Regex(filter) } catch { throw ValidationError("--filter: invalid regular expression: \(error)") }
        }
        if metadata && stats { throw ValidationError("--metadata and --stats cannot be used together") }
    }

    func run() throws {
        try ToolRunner.run(invalidDataStatus: .negative) {
            var options = InspectionOptions()
            options.filter = try filter.map { try Regex($0) }
            options.order = InspectionOptions.Order(rawValue: sort.rawValue) ?? .file
            options.statistics = stats
            options.threads = threads ?? Parallel.defaultThreads
            var reports: [InspectionReport] = []
            for input in inputs {
                let report = InspectionReport.make(input, options: options, showProgress: output.format == .human)
                if let problem = report.firstProblem { Diagnostics.error(problem) }
                if output.format == .ndjson {
                    for record in report.ndjsonRecords(includeTensors: !metadata) { StandardOutput.json(record, compact: true) }
                } else if output.format == .human {
                    if !reports.isEmpty { StandardOutput.line("") }
                    report.textLines(includeTensors: !metadata, includeMetadata: true).forEach(StandardOutput.line)
                }
                reports.append(report)
            }
            if output.format == .json {
                StandardOutput.json(.object([
                    ("schema_version", .int(InspectionReport.schemaVersion)),
                    ("valid", .bool(reports.allSatisfy(\.valid))),
                    ("inputs", .array(reports.map { $0.json(includeTensors: !metadata) })),
                ]))
            }
            let worst = reports.map(\.status).max() ?? 0
            return worst == 0 ? .success : (worst == 1 ? .negative : .failure)
        }
    }
}
