import AlloyCLI
import AlloyFormat
import AlloyMath
import ArgumentParser

/// `tensor-diff`: compares the tensors of two files, shard sets or model
/// directories, streaming one piece of a tensor at a time, with diff(1) exit codes.
@main
struct TensorDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor-diff",
        abstract: "Compare the tensors of two safetensors files, shard sets or model directories.",
        discussion: """
        Tensors are matched by name (after the optional prefix mapping) and reported \
        as only in A, only in B, shape changed, dtype changed, different or equal. \
        For every pair of the same shape it computes max |a-b|, the max relative \
        difference |a-b| / max(|a|,|b|), the RMS difference and the cosine similarity \
        (in double precision, reading the tensors piece by piece on every CPU).

        Two values are equal when |a-b| <= atol + rtol * max(|a|,|b|); NaN equals NaN \
        and an infinity equals the same infinity. By default the tolerance suits the \
        coarser of the two dtypes, so tensors that differ only by rounding compare \
        equal: F64 atol 1e-7 rtol 1e-7; F32 atol 1e-5 rtol 1.3e-6; F16 atol 1e-5 rtol \
        1e-3; BF16 atol 1e-5 rtol 1.6e-2; F8_E4M3 atol 2^-9 rtol 0.25; F8_E5M2 atol \
        2^-16 rtol 0.5; integers, BOOL and F8_E8M0 exactly. --atol and --rtol replace \
        the defaults for every tensor (--atol 0 --rtol 0: exact equality).

        A dtype change is a difference unless --allow-dtype-change is given. Name \
        filters apply to the matched names. --json prints one document and --ndjson one \
        record per tensor then a summary (schema_version 1, see docs/tensor-diff.md).

        EXAMPLES:
          tensor-diff model-a/ model-b/
          tensor-diff --atol 0 --rtol 0 out/model.safetensors ref/model.safetensors
          tensor-diff --filter 'self_attn' --all base/ merged/
          tensor-diff --allow-dtype-change merged-fp32/ merged-bf16/
          tensor-diff --strip-prefix-a base_model.model. adapter-merged/ model/
          tensor-diff --json a/ b/ | jq '.tensors[] | select(.status != "equal") | .name'
          tensor-diff -q new/ golden/ >/dev/null || echo "weights changed"

        EXIT STATUS:
          0   the inputs are equal within tolerance
          1   they differ (a tensor beyond tolerance, only on one side, or of another shape or dtype)
          2   an input could not be read or a tensor could not be compared
          64  the command line is wrong
        """
    )

    @Argument(help: ArgumentHelp("The first file, index or model directory.", valueName: "a"),
              completion: .file(extensions: ["safetensors", "json"]))
    var a: String

    @Argument(help: ArgumentHelp("The second file, index or model directory.", valueName: "b"),
              completion: .file(extensions: ["safetensors", "json"]))
    var b: String

    @Option(name: .long, help: "Absolute tolerance for every tensor (default: by dtype).")
    var atol: Double?

    @Option(name: .long, help: "Relative tolerance for every tensor (default: by dtype).")
    var rtol: Double?

    @Flag(name: .long, help: "Do not count a dtype change as a difference when the values agree.")
    var allowDtypeChange = false

    @Option(name: .long, help: ArgumentHelp("Compare only tensors whose name matches this regular expression.", valueName: "regex"))
    var filter: String?

    @Option(name: .long, help: ArgumentHelp("Skip tensors whose name matches this regular expression.", valueName: "regex"))
    var exclude: String?

    @Option(name: .long, help: ArgumentHelp("Remove this prefix from A's tensor names before matching.", valueName: "prefix"))
    var stripPrefixA: String?

    @Option(name: .long, help: ArgumentHelp("Remove this prefix from B's tensor names before matching.", valueName: "prefix"))
    var stripPrefixB: String?

    @Option(name: .long, help: ArgumentHelp("Add this prefix to A's tensor names before matching.", valueName: "prefix"))
    var addPrefixA: String?

    @Option(name: .long, help: ArgumentHelp("Add this prefix to B's tensor names before matching.", valueName: "prefix"))
    var addPrefixB: String?

    @Flag(name: .long, help: "List every tensor in the human output, not only those that are not equal.")
    var all = false

    @Option(name: .long, help: "Threads to compare with (default: the number of CPUs).")
    var threads: Int?

    @OptionGroup var output: OutputOptions
    @OptionGroup var verbosity: VerbosityOptions

    static func main() {
        ToolRunner.prepare(toolName: "tensor-diff")
        main(nil)
    }

    mutating func validate() throws {
        for (flag, value) in [("--atol", atol), ("--rtol", rtol)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(flag) must be a finite number >= 0") }
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for (flag, pattern) in [("--filter", filter), ("--exclude", exclude)] {
            if let pattern {
                do { _ = try Regex(pattern) } catch { throw ValidationError("\(flag): invalid regular expression: \(error)") }
            }
        }
    }

    func run() throws {
        try ToolRunner.run {
            var options = DiffOptions()
            options.mappingA = NameMapping(stripPrefix: stripPrefixA, addPrefix: addPrefixA)
            options.mappingB = NameMapping(stripPrefix: stripPrefixB, addPrefix: addPrefixB)
            options.include = try filter.map { try Regex($0) }
            options.exclude = try exclude.map { try Regex($0) }
            options.atol = atol
            options.rtol = rtol
            options.allowDtypeChange = allowDtypeChange
            options.threads = threads ?? Parallel.defaultThreads
            let storeA = try TensorStore(path: a)
            let storeB = try TensorStore(path: b)
            let report = try DiffReport.make(storeA, storeB, options: options, showProgress: output.format == .human)
            switch output.format {
            case .json: StandardOutput.json(report.json())
            case .ndjson: report.ndjsonRecords().forEach { StandardOutput.json($0, compact: true) }
            case .human: report.textLines(all: all).forEach(StandardOutput.line)
            }
            for e in report.entries { if let error = e.error { Diagnostics.error(error) } }
            return report.status
        }
    }
}
