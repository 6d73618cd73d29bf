import AlloyCLI
import AlloyAnalysis
import AlloyFormat

/// The JSON forms of a report (schema_version 1, documented in docs/safetensors-inspect.md).
extension InspectionReport {
    static let schemaVersion = 1

    /// The whole input as one JSON object (an element of the document's `inputs`).
    func json(includeTensors: Bool) -> JSONValue {
        var members = summaryMembers()
        if includeTensors, error == nil {
            members.append(("tensors", .array(rows.map { .object(Self.tensorMembers($0)) })))
        }
        return .object(members)
    }

    /// NDJSON records: one per tensor, then the input's summary.
    func ndjsonRecords(includeTensors: Bool) -> [JSONValue] {
        var records: [JSONValue] = []
        if includeTensors, error == nil {
            for row in rows {
                records.append(.object([("type", "tensor"), ("schema_version", .int(Self.schemaVersion)),
                                        ("input", .string(input))] + Self.tensorMembers(row)))
            }
        }
        records.append(.object([("type", "summary"), ("schema_version", .int(Self.schemaVersion))] + summaryMembers()))
        return records
    }

    func summaryMembers() -> [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [("input", .string(input)), ("kind", .string(kind.rawValue)), ("valid", .bool(valid))]
        if let error {
            m.append(("error", Self.errorObject(error)))
            return m
        }
        m.append(("files", .array(files.map { f in
            .object([("path", .string(f.path)), ("size", .int(f.size)), ("header_bytes", .int(f.headerBytes)),
                     ("tensor_count", .int(f.tensorCount)), ("data_bytes", .int(f.dataBytes)),
                     ("metadata", f.metadata.map { Self.metadataObject($0) } ?? .null)])
        })))
        m.append(("index", indexPath.map { .object([("path", .string($0)), ("metadata", indexMetadata ?? .null)]) } ?? .null))
        m.append(("tensor_count", .int(rows.count)))
        m.append(("parameters", .int(parameters)))
        m.append(("bytes", .int(bytes)))
        m.append(("dtypes", .array(dtypeTotals.map { t in
            .object([("dtype", .string(t.dtype.rawValue)), ("tensor_count", .int(t.tensors)),
                     ("parameters", .int(t.parameters)), ("bytes", .int(t.bytes))])
        })))
        m.append(("violations", .array(violations.map(Self.errorObject))))
        return m
    }

    static func tensorMembers(_ row: Row) -> [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [
            ("name", .string(row.info.name)), ("dtype", .string(row.info.dtype.rawValue)),
            ("shape", .array(row.info.shape.map { .int($0) })), ("parameters", .int(row.parameters)),
            ("bytes", .int(row.info.byteCount)), ("file", .string(row.file)),
            ("data_offsets", .array([.int(row.info.begin), .int(row.info.end)])),
        ]
        switch row.statistics {
        case nil: break
        case .success(let s)?: m.append(("stats", statisticsObject(s)))
        case .failure(let e)?:
            m.append(("stats", .null))
            m.append(("stats_error", errorObject(e)))
        }
        return m
    }

    static func statisticsObject(_ s: TensorStatistics) -> JSONValue {
        .object([
            ("min", s.min.map { .float(Float($0)) } ?? .null), ("max", s.max.map { .float(Float($0)) } ?? .null),
            ("mean", .finite(s.mean)), ("std", .finite(s.std)), ("mean_abs", .finite(s.meanAbs)),
            ("zeros", .int(s.zeros)), ("nan_count", .int(s.nans)), ("inf_count", .int(s.infs)),
        ])
    }

    static func metadataObject(_ pairs: [(String, String)]) -> JSONValue {
        .object(pairs.map { ($0.0, .string($0.1)) })
    }

    static func errorObject(_ e: AlloyError) -> JSONValue {
        var m: [(String, JSONValue)] = [("code", .string(e.code)), ("category", .string(e.category.rawValue)),
                                        ("message", .string(e.message))]
        if let hint = e.hint { m.append(("hint", .string(hint))) }
        return .object(m)
    }
}
