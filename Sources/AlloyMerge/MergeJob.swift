import AlloyFormat
import AlloyModel
import Foundation

/// A whole `merge-yaml` run: configuration → plan → tensors → model directory.
public struct MergeJob: Sendable {
    /// Where the model directory goes.
    public var outputPath: String
    /// Largest shard, in bytes.
    public var maxShardBytes: Int = 5_000_000_000
    /// Copy the donor's tokenizer files (when no vocabulary is built).
    public var copyTokenizer = true
    /// Write `README.md` and `mergekit_config.yml`.
    public var writeModelCard = true
    public var executor = MergeExecutor()
    public var planner = MergePlanner()

    public init(outputPath: String) { self.outputPath = outputPath }

    /// What a finished run did.
    public struct Summary: Sendable {
        public var files: [String]
        public var tensors: Int
        public var bytesWritten: Int
        public var bytesRead: Int
        public var layers: Int
        public var seconds: Double
        public var warnings: [String]
    }

    /// Plans `configuration` without writing anything.
    public func plan(_ configuration: MergeConfiguration) throws -> MergePlan {
        try planner.plan(configuration)
    }

    /// Runs `plan`, writing the output directory atomically.
    public func run(_ plan: MergePlan, progress: (@Sendable () -> Void)? = nil) throws -> Summary {
        let start = Date()
        let target = URL(fileURLWithPath: outputPath).standardizedFileURL.resolvingSymlinksInPath().path
        for m in plan.models where URL(fileURLWithPath: m.directory).standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw AlloyError(.config, code: "output_is_input", "\(outputPath): is the input model \(m.name)",
                             hint: "write the merge to a new directory")
        }
        let out = try OutputDirectory(outputPath)
        let writer = try ShardedWriter(directory: out.workingPath, tensors: plan.tensors.map(\.spec), maxShardBytes: maxShardBytes,
                                       metadata: [("format", "pt")])
        try executor.run(plan, writer: writer, progress: progress)
        var files = try writer.finish()

        let configWriter = JSONWriter(indent: 2, asciiOnly: true, sortKeys: false)
        try JSONFile.write(plan.outputConfig.json, to: out.path("config.json"), writer: configWriter)
        files.append("config.json")
        if let writeTokenizer = plan.writeTokenizer {
            try writeTokenizer(out.workingPath)
        } else if copyTokenizer {
            files += try TokenizerFiles.copy(from: plan.donorModel.directory, to: out.workingPath)
        }
        if writeModelCard {
            let title = URL(fileURLWithPath: outputPath).standardizedFileURL.lastPathComponent
            try write(ModelCard.render(configuration: plan.configuration, title: title), to: out.path("README.md"))
            try write(plan.configuration.text, to: out.path("mergekit_config.yml"))
            files += ["README.md", "mergekit_config.yml"]
        }
        try out.commit()
        let read = plan.tensors.reduce(0) { sum, t in
            sum + t.inputs.reduce(0) { $0 + (plan.models[$1.model].source.info($1.tensor)?.byteCount ?? 0) }
        }
        return Summary(files: files.sorted(), tensors: plan.tensors.count, bytesWritten: plan.outputBytes, bytesRead: read,
                       layers: plan.layerCount, seconds: Date().timeIntervalSince(start), warnings: plan.warnings)
    }

    func write(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw AlloyError.io(path, "cannot write: \(error.localizedDescription)")
        }
    }
}

/// mergekit's size strings for `--out-shard-size`: an integer with an optional
/// `K`/`M`/`B` suffix (10³/10⁶/10⁹, so `5B` is five billion bytes); Hugging Face
/// spellings such as `5GB` or `500MiB` are accepted too.
public enum ShardSize {
    public static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("K", 1_000), ("M", 1_000_000), ("B", 1_000_000_000)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            let number = s.dropLast()
            if let v = Int(number), v > 0, !number.hasSuffix("G") { return v * scale }
        }
        return ByteSize.parse(s)
    }
}
