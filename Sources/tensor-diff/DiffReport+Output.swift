import AlloyCLI
import AlloyFormat

/// The JSON (schema_version 1, see docs/tensor-diff.md) and human forms of a diff.
extension DiffReport {
    static let schemaVersion = 1

    func summaryObject() -> JSONValue {
        .object([
            ("compared", .int(compared)), ("equal", .int(count(.equal))), ("different", .int(count(.different))),
            ("shape_changed", .int(count(.shapeChanged))), ("dtype_changed", .int(count(.dtypeChanged))),
            ("only_in_a", .int(count(.onlyInA))), ("only_in_b", .int(count(.onlyInB))), ("errors", .int(count(.error))),
        ])
    }

    func headerMembers() -> [(String, JSONValue)] {
        [
            ("a", .object([("path", .string(pathA)), ("tensor_count", .int(countA))])),
            ("b", .object([("path", .string(pathB)), ("tensor_count", .int(countB))])),
            ("tolerance", .object([("atol", .finite(fixedATol)), ("rtol", .finite(fixedRTol)),
                                   ("mode", .string(fixedATol == nil && fixedRTol == nil ? "dtype_default"
                                       : (fixedATol != nil && fixedRTol != nil ? "fixed" : "mixed")))])),
            ("equal", .bool(equal)),
        ]
    }

    func json() -> JSONValue {
        .object([("schema_version", .int(Self.schemaVersion))] + headerMembers()
            + [("summary", summaryObject()), ("tensors", .array(entries.map { .object(Self.entryMembers($0)) }))])
    }

    func ndjsonRecords() -> [JSONValue] {
        entries.map { .object([("type", "tensor"), ("schema_version", .int(Self.schemaVersion))] + Self.entryMembers($0)) }
            + [.object([("type", "summary"), ("schema_version", .int(Self.schemaVersion))] + headerMembers()
                + [("summary", summaryObject())])]
    }

    static func entryMembers(_ e: Entry) -> [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [
            ("name", .string(e.name)), ("status", .string(e.status.rawValue)),
            ("name_a", e.nameA.map { .string($0) } ?? .null), ("name_b", e.nameB.map { .string($0) } ?? .null),
            ("dtype_a", e.infoA.map { .string($0.dtype.rawValue) } ?? .null),
            ("dtype_b", e.infoB.map { .string($0.dtype.rawValue) } ?? .null),
            ("shape_a", e.infoA.map { .array($0.shape.map { .int($0) }) } ?? .null),
            ("shape_b", e.infoB.map { .array($0.shape.map { .int($0) }) } ?? .null),
        ]
        if let t = e.tolerance { m += [("atol", .finite(t.atol)), ("rtol", .finite(t.rtol))] }
        if let d = e.difference {
            m += [
                ("elements", .int(e.infoA?.elementCount ?? d.count)),
                ("max_abs_diff", .finite(d.maxAbsoluteDifference)), ("max_rel_diff", .finite(d.maxRelativeDifference)),
                ("rms_diff", .finite(d.rmsDifference)), ("cosine_similarity", .finite(d.cosineSimilarity)),
                ("mismatches", .int(d.mismatches)), ("nonfinite_mismatches", .int(d.nonFiniteMismatches)),
            ]
        }
        if let error = e.error {
            m.append(("error", .object([("code", .string(error.code)), ("message", .string(error.message))])))
        }
        return m
    }

    /// Human output: the tensors that are not equal (all with `all`), then a summary line.
    func textLines(all: Bool) -> [String] {
        var out: [String] = ["A: \(HumanFormat.sanitized(pathA)) (\(countA) tensors)", "B: \(HumanFormat.sanitized(pathB)) (\(countB) tensors)"]
        let shown = entries.filter { all || $0.status != .equal }
        if !shown.isEmpty {
            var table = TextTable(headers: ["name", "status", "dtype", "shape", "max|a-b|", "max rel", "rms", "cosine", "mismatches"],
                                  alignments: [.left, .left, .left, .left, .right, .right, .right, .right, .right])
            for e in shown {
                let dtype = Self.change(e.infoA?.dtype.rawValue, e.infoB?.dtype.rawValue)
                let shape = Self.change(e.infoA.map { HumanFormat.shape($0.shape) }, e.infoB.map { HumanFormat.shape($0.shape) })
                var cells = [HumanFormat.sanitized(e.name), e.status.rawValue, dtype, shape]
                if let d = e.difference {
                    cells += [HumanFormat.number(d.maxAbsoluteDifference), HumanFormat.number(d.maxRelativeDifference),
                              HumanFormat.number(d.rmsDifference), HumanFormat.number(d.cosineSimilarity, digits: 7),
                              "\(HumanFormat.grouped(d.mismatches))/\(HumanFormat.grouped(e.infoA?.elementCount ?? d.count))"]
                } else {
                    cells += ["-", "-", "-", "-", e.error.map { $0.code } ?? "-"]
                }
                table.append(cells)
            }
            out.append("")
            out += table.lines()
            for e in entries where e.error != nil { out.append("error: \(HumanFormat.sanitized(e.error!.description))") }
        }
        out.append("")
        let tolerance = fixedATol == nil && fixedRTol == nil ? "per-dtype default tolerances"
            : "atol \(fixedATol.map { HumanFormat.number($0) } ?? "default"), rtol \(fixedRTol.map { HumanFormat.number($0) } ?? "default")"
        out.append("\(compared) compared: \(count(.equal)) equal, \(count(.different)) different, "
            + "\(count(.shapeChanged)) shape changed, \(count(.dtypeChanged)) dtype changed, "
            + "\(count(.onlyInA)) only in A, \(count(.onlyInB)) only in B\(hasErrors ? ", \(count(.error)) errors" : "") (\(tolerance))")
        out.append(hasErrors ? "result: could not compare everything" : (equal ? "result: equal" : "result: different"))
        return out
    }

    static func change(_ a: String?, _ b: String?) -> String {
        switch (a, b) {
        case let (x?, y?): return x == y ? x : "\(x) -> \(y)"
        case let (x?, nil): return x
        case let (nil, y?): return y
        default: return "-"
        }
    }
}
