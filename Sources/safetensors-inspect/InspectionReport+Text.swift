import AlloyCLI
import AlloyFormat
import Foundation

/// The human-readable form of a report. Not a stable format: scripts should use `--json`.
extension InspectionReport {
    func textLines(includeTensors: Bool, includeMetadata: Bool) -> [String] {
        var out: [String] = []
        let title = HumanFormat.sanitized(input)
        if let error {
            out.append("\(title): INVALID (\(error.code))")
            out.append("  \(HumanFormat.sanitized(error.description))")
            return out
        }
        let multiFile = files.count > 1
        out.append("\(title): \(rows.count) tensors, \(HumanFormat.grouped(parameters)) parameters, "
            + "\(ByteSize.format(bytes)) of data in \(files.count) file\(files.count == 1 ? "" : "s")")
        if includeTensors {
            out.append("")
            out += tensorTable(multiFile: multiFile).lines()
            out.append("")
            var totals = TextTable(headers: ["dtype", "tensors", "parameters", "bytes"], alignments: [.left, .right, .right, .right])
            for t in dtypeTotals {
                totals.append([t.dtype.rawValue, String(t.tensors), HumanFormat.grouped(t.parameters), ByteSize.format(t.bytes)])
            }
            totals.append(["total", String(rows.count), HumanFormat.grouped(parameters), ByteSize.format(bytes)])
            out += totals.lines()
        }
        if includeMetadata {
            out.append("")
            out += metadataLines()
        }
        out.append("")
        if violations.isEmpty {
            out.append("valid: yes")
        } else {
            out.append("valid: NO, \(violations.count) problem\(violations.count == 1 ? "" : "s"):")
            for v in violations { out.append("  \(v.code): \(HumanFormat.sanitized(v.description))") }
        }
        return out
    }

    func tensorTable(multiFile: Bool) -> TextTable {
        let statistics = rows.contains { $0.statistics != nil }
        var headers = ["name", "dtype", "shape", "parameters", "bytes"]
        var alignments: [TextTable.Alignment] = [.left, .left, .left, .right, .right]
        if multiFile {
            headers.append("file")
            alignments.append(.left)
        }
        if statistics {
            headers += ["min", "max", "mean", "std", "mean|x|", "zeros", "nan", "inf"]
            alignments += Array(repeating: .right, count: 8)
        }
        var table = TextTable(headers: headers, alignments: alignments)
        for row in rows {
            var cells = [HumanFormat.sanitized(row.info.name), row.info.dtype.rawValue, HumanFormat.shape(row.info.shape),
                         HumanFormat.grouped(row.parameters), ByteSize.format(row.info.byteCount)]
            if multiFile { cells.append(HumanFormat.sanitized((row.file as NSString).lastPathComponent)) }
            if statistics {
                switch row.statistics {
                case .success(let s)?:
                    let n = { (x: Double?) in x.map { HumanFormat.number($0) } ?? "-" }
                    cells += [n(s.min), n(s.max), n(s.mean), n(s.std), n(s.meanAbs), String(s.zeros), String(s.nans), String(s.infs)]
                case .failure(let e)?:
                    cells += [e.code] + Array(repeating: "-", count: 7)
                case nil:
                    cells += Array(repeating: "-", count: 8)
                }
            }
            table.append(cells)
        }
        return table
    }

    func metadataLines() -> [String] {
        var out: [String] = []
        // Shards normally share one __metadata__: show it once when they do.
        let distinct = files.reduce(into: [[String]]()) { acc, f in
            let flat = (f.metadata ?? []).flatMap { [$0.0, $0.1] }
            if !acc.contains(flat) { acc.append(flat) }
        }
        for (i, f) in files.enumerated() where i == 0 || distinct.count > 1 {
            let label = distinct.count > 1 ? "metadata of \((f.path as NSString).lastPathComponent)" : "metadata"
            guard let metadata = f.metadata, !metadata.isEmpty else {
                out.append("\(label): none")
                continue
            }
            out.append("\(label):")
            for (k, v) in metadata { out.append("  \(HumanFormat.sanitized(k)): \(HumanFormat.sanitized(v))") }
        }
        if let indexPath {
            out.append("index \((indexPath as NSString).lastPathComponent): \(HumanFormat.sanitized(JSONWriter.compact.string(indexMetadata ?? .null)))")
        }
        return out
    }
}
