import AlloyCLI
import AlloyAnalysis
import AlloyFormat
import AlloyMath
import Foundation

/// Everything `safetensors-inspect` says about one input, gathered before printing.
struct InspectionReport {
    /// How the input was given.
    enum Kind: String { case file, index, directory }

    struct FileSummary {
        var path: String
        var size: Int
        var headerBytes: Int
        var tensorCount: Int
        var dataBytes: Int
        var metadata: [(String, String)]?
    }

    struct Row {
        var info: TensorInfo
        var file: String
        var statistics: Result<TensorStatistics, AlloyError>?
        var parameters: Int { info.elementCount }
    }

    struct DTypeTotal {
        var dtype: DType
        var tensors = 0
        var parameters = 0
        var bytes = 0
    }

    var input: String
    var kind: Kind
    /// Set when the input could not be opened at all; nothing else is filled in then.
    var error: AlloyError?
    var files: [FileSummary] = []
    var indexPath: String?
    var indexMetadata: JSONValue?
    var rows: [Row] = []
    var violations: [AlloyError] = []

    var valid: Bool { error == nil && violations.isEmpty }
    var parameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    var bytes: Int { rows.reduce(0) { $0 + $1.info.byteCount } }

    /// Per-dtype totals of the listed tensors, largest byte count first.
    var dtypeTotals: [DTypeTotal] {
        var totals: [DType: DTypeTotal] = [:]
        for row in rows {
            var t = totals[row.info.dtype] ?? DTypeTotal(dtype: row.info.dtype)
            t.tensors += 1
            t.parameters += row.parameters
            t.bytes += row.info.byteCount
            totals[row.info.dtype] = t
        }
        return totals.values.sorted { ($0.bytes, $1.dtype) > ($1.bytes, $0.dtype) }
    }

    /// What is wrong with the input, as one line for stderr: the error that stopped
    /// the inspection, or the first violation (saying how many more there are).
    var firstProblem: AlloyError? {
        if let error { return error }
        guard var first = violations.first else { return nil }
        if violations.count > 1 { first.message += " (and \(violations.count - 1) more problem\(violations.count == 2 ? "" : "s"))" }
        return first
    }

    /// The input's exit status: 0 valid, 1 violates the format, 2 unreadable.
    var status: Int32 {
        guard let error else { return violations.isEmpty ? 0 : 1 }
        return error.category == .invalidData ? 1 : 2
    }
}

/// How to choose and order the tensors of a report.
struct InspectionOptions {
    enum Order: String, CaseIterable { case file, name, size }
    var filter: Regex<AnyRegexOutput>?
    var order: Order = .file
    var statistics = false
    var threads = Parallel.defaultThreads
}

extension InspectionReport {
    /// Opens `input` leniently and describes it.
    static func make(_ input: String, options: InspectionOptions, showProgress: Bool = false) -> InspectionReport {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory)
        let kind: Kind = isDirectory.boolValue ? .directory : (input.hasSuffix(".json") ? .index : .file)
        var report = InspectionReport(input: input, kind: kind)
        guard exists else {
            report.error = AlloyError(.io, code: "not_found", "\(input): no such file or directory")
            return report
        }
        let store: TensorStore
        do {
            store = try TensorStore(path: input, strict: false)
        } catch let e as AlloyError {
            report.error = e
            return report
        } catch {
            report.error = AlloyError(.io, code: "io_error", "\(input): \(error)")
            return report
        }
        report.indexPath = store.indexPath
        report.indexMetadata = store.indexMetadata
        report.violations = store.violations
        report.files = store.files.map { f in
            FileSummary(path: f.path, size: f.size, headerBytes: f.header.headerLength, tensorCount: f.tensors.count,
                        dataBytes: f.tensors.reduce(0) { $0 + $1.byteCount }, metadata: f.metadata)
        }
        if let total = store.indexMetadata?["total_size"]?.intValue, total != store.totalBytes {
            report.violations.append(AlloyError(.invalidData, code: "index_total_size_mismatch",
                "\(store.indexPath ?? input): metadata.total_size is \(total) but the tensors hold \(store.totalBytes) bytes",
                hint: "regenerate the index"))
        }

        var rows: [Row] = []
        let fileOrder = Dictionary(uniqueKeysWithValues: store.files.enumerated().map { ($1.path, $0) })
        for name in store.names {
            guard let info = store.info(name), let file = store.file(of: name) else { continue }
            if let filter = options.filter, (try? filter.firstMatch(in: name)) == nil { continue }
            rows.append(Row(info: info, file: file.path))
        }
        switch options.order {
        case .file:
            rows.sort { (fileOrder[$0.file] ?? 0, $0.info.begin, $0.info.name) < (fileOrder[$1.file] ?? 0, $1.info.begin, $1.info.name) }
        case .name:
            rows.sort { HumanFormat.naturallyPrecedes($0.info.name, $1.info.name) }
        case .size:
            rows.sort { $0.info.byteCount != $1.info.byteCount ? $0.info.byteCount > $1.info.byteCount
                : HumanFormat.naturallyPrecedes($0.info.name, $1.info.name) }
        }
        if options.statistics {
            let bar = showProgress ? ProgressBar("statistics", total: rows.count) : nil
            let stats = StoreStatistics.compute(store, names: rows.map(\.info.name), threads: options.threads) { _ in
                bar?.advance()
            }
            bar?.finish()
            for i in rows.indices { rows[i].statistics = stats[i] }
        }
        report.rows = rows
        return report
    }
}

