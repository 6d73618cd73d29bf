import AlloyCLI
import AlloyAnalysis
import AlloyFormat
import AlloyMath

/// The outcome of comparing two tensor sets, gathered before printing.
struct DiffReport {
    enum Status: String {
        /// Same shape and dtype, every value within tolerance.
        case equal
        /// Same shape, some value beyond tolerance.
        case different
        /// Shapes differ: values are not compared.
        case shapeChanged = "shape_changed"
        /// Values within tolerance, but the dtype changed (and --allow-dtype-change was not given).
        case dtypeChanged = "dtype_changed"
        case onlyInA = "only_in_a"
        case onlyInB = "only_in_b"
        /// The values could not be compared (unreadable, or a dtype Alloy cannot decode).
        case error
    }

    struct Entry {
        var name: String
        var nameA: String?
        var nameB: String?
        var infoA: TensorInfo?
        var infoB: TensorInfo?
        var status: Status
        var tolerance: Tolerance?
        var difference: TensorDifference?
        var error: AlloyError?
    }

    var pathA: String
    var pathB: String
    var countA: Int
    var countB: Int
    /// Fixed tolerances from the command line; nil means per-dtype defaults.
    var fixedATol: Double?
    var fixedRTol: Double?
    var entries: [Entry]

    func count(_ status: Status) -> Int { entries.filter { $0.status == status }.count }
    var compared: Int { entries.filter { $0.nameA != nil && $0.nameB != nil }.count }
    var hasErrors: Bool { count(.error) > 0 }
    var equal: Bool { entries.allSatisfy { $0.status == .equal } }

    /// 0 equal within tolerance, 1 different, 2 could not compare something.
    var status: ExitStatus { hasErrors ? .failure : (equal ? .success : .negative) }
}

/// What to compare and how.
struct DiffOptions {
    var mappingA = NameMapping()
    var mappingB = NameMapping()
    var include: Regex<AnyRegexOutput>?
    var exclude: Regex<AnyRegexOutput>?
    var atol: Double?
    var rtol: Double?
    var allowDtypeChange = false
    var threads = Parallel.defaultThreads

    /// The tolerance for a pair: fixed values where given, the dtypes' default otherwise.
    func tolerance(_ a: DType, _ b: DType) -> Tolerance {
        let d = Tolerance.defaultFor(a, b)
        return Tolerance(atol: atol ?? d.atol, rtol: rtol ?? d.rtol)
    }

    func selects(_ name: String) -> Bool {
        if let include, (try? include.firstMatch(in: name)) == nil { return false }
        if let exclude, (try? exclude.firstMatch(in: name)) != nil { return false }
        return true
    }
}

extension DiffReport {
    /// Matches the tensors of `a` and `b` by mapped name and compares them, streaming and in parallel.
    static func make(_ a: TensorStore, _ b: TensorStore, options: DiffOptions, showProgress: Bool) throws -> DiffReport {
        let tableA = try options.mappingA.table(a.names, side: "A")
        let tableB = try options.mappingB.table(b.names, side: "B")
        let names = Set(tableA.keys).union(tableB.keys).filter(options.selects)
            .sorted(by: HumanFormat.naturallyPrecedes)
        var entries: [Entry] = []
        var pairs: [StoreComparison.Pair] = []
        var pairEntry: [Int] = []
        for name in names {
            let nameA = tableA[name], nameB = tableB[name]
            var e = Entry(name: name, nameA: nameA, nameB: nameB, infoA: nameA.flatMap(a.info), infoB: nameB.flatMap(b.info),
                          status: .equal)
            switch (e.infoA, e.infoB) {
            case (nil, _): e.status = .onlyInB
            case (_, nil): e.status = .onlyInA
            case let (x?, y?):
                if x.shape != y.shape {
                    e.status = .shapeChanged
                } else {
                    let t = options.tolerance(x.dtype, y.dtype)
                    e.tolerance = t
                    pairs.append(.init(nameA: x.name, nameB: y.name, tolerance: t))
                    pairEntry.append(entries.count)
                }
            }
            entries.append(e)
        }
        let bar = showProgress ? ProgressBar("comparing", total: pairs.count) : nil
        let results = StoreComparison.compare(a, b, pairs: pairs, threads: options.threads) { _ in bar?.advance() }
        bar?.finish()
        for (k, result) in results.enumerated() {
            let i = pairEntry[k]
            switch result {
            case .success(let d):
                entries[i].difference = d
                let dtypeChanged = entries[i].infoA?.dtype != entries[i].infoB?.dtype
                if !d.withinTolerance {
                    entries[i].status = .different
                } else if dtypeChanged && !options.allowDtypeChange {
                    entries[i].status = .dtypeChanged
                }
            case .failure(let e):
                entries[i].status = .error
                entries[i].error = e
            }
        }
        return DiffReport(pathA: a.location, pathB: b.location, countA: a.count, countB: b.count,
                          fixedATol: options.atol, fixedRTol: options.rtol, entries: entries)
    }
}
