import AlloyFormat
import AlloyMath
import Foundation

/// Approximates `fine-tuned − base` module by module with truncated SVDs and writes the
/// factors as a PEFT adapter (mergekit-extract-lora's output layout).
///
/// Modules are processed in parallel, each reading its two weights from the memory maps,
/// so peak memory is a few modules' worth whatever the model's size. Factors go to a
/// scratch file until every rank is known, then into `adapter_model.safetensors`.
public final class LoRAExtractor: @unchecked Sendable {
    public let model: TensorStore
    public let base: TensorStore
    public let options: ExtractionOptions
    public let plan: ExtractionPlan

    /// The outcome for one decomposed module.
    public struct ModuleReport: Sendable {
        public var module: String
        public var shape: [Int]
        public var rank: Int
        /// Fraction of `‖Δ‖²_F` the kept singular values hold.
        public var energyKept: Double
        /// `‖Δ − B·A‖_F / ‖Δ‖_F` (before rounding the factors to the output dtype).
        public var relativeError: Double
        public var randomizedSVD: Bool
        public var seconds: Double

        public var json: JSONValue {
            .object([("module", .string(module)), ("shape", .array(shape.map { .int($0) })), ("rank", .int(rank)),
                     ("energy_kept", .double(energyKept)), ("relative_error", .double(relativeError)),
                     ("svd", .string(randomizedSVD ? "randomized" : "full")), ("seconds", .double((seconds * 1e4).rounded() / 1e4))])
        }
    }

    public init(model: TensorStore, base: TensorStore, options: ExtractionOptions) throws {
        guard options.maxRank >= 1 else { throw AlloyError.config("--max-rank", "must be at least 1") }
        if let e = options.energy, !(e > 0 && e <= 1) { throw AlloyError.config("--energy", "must be in (0, 1] (got \(e))") }
        self.model = model
        self.base = base
        self.options = options
        plan = try ExtractionPlan(model: model, base: base, options: options)
    }

    struct Factors {
        var entry: ExtractionPlan.Entry
        var rank: Int
        var dtype: DType
        var a: Range<Int>
        var b: Range<Int>
        var bias: Range<Int>?
        var report: ModuleReport
    }

    /// Runs the extraction and writes the adapter at `path`. Returns per-module reports.
    @discardableResult
    public func write(to path: String, baseModelName: String, readme: String? = nil,
                      progress: (@Sendable (String) -> Void)? = nil) throws -> [ModuleReport] {
        let output = try OutputDirectory(path)
        let scratch = try ScratchFile(path: output.path(".factors.scratch"))
        let decomposed = plan.entries.filter { if case .decompose = $0.action { return true }; return false }
        let results = ResultBox<Factors>(count: decomposed.count)
        if options.threads > 1 { BLASRuntime.setThreads(1) }
        try Parallel.forEach(decomposed.count, threads: options.threads) { i in
            results.set(i, try factorize(decomposed[i], scratch: scratch))
            progress?(decomposed[i].path)
        }
        let factors = results.values.compactMap { $0 }
        let r = factors.map(\.rank).max() ?? 0
        // Layout: factors, biases, then the tensors saved whole.
        var specs: [TensorSpec] = []
        for f in factors {
            let emb = f.entry.action == .decompose(embedding: true)
            let (m, n) = LoRAExtractor.matrixShape(f.entry)
            specs.append(TensorSpec(name: AdapterWriter.key(f.entry.path, emb ? ".lora_embedding_A" : ".lora_A.weight"),
                                    dtype: f.dtype, shape: [f.rank, n]))
            specs.append(TensorSpec(name: AdapterWriter.key(f.entry.path, emb ? ".lora_embedding_B" : ".lora_B.weight"),
                                    dtype: f.dtype, shape: [m, f.rank]))
            if f.bias != nil, let bias = f.entry.bias, let info = model.info(bias) {
                specs.append(TensorSpec(name: AdapterWriter.key(f.entry.path, ".lora_B.bias"), dtype: f.dtype, shape: info.shape))
            }
        }
        let whole = plan.entries.filter { $0.action == .saveWhole }
        for e in whole {
            let w = model.info(e.weight)!
            specs.append(TensorSpec(name: AdapterWriter.key(e.path, ".weight"), dtype: w.dtype, shape: w.shape))
            if let b = e.bias, let bi = model.info(b) {
                specs.append(TensorSpec(name: AdapterWriter.key(e.path, ".bias"), dtype: bi.dtype, shape: bi.shape))
            }
        }
        let writer = try ShardedWriter(directory: output.workingPath, tensors: specs, maxShardBytes: Int.max, baseName: "adapter_model")
        for f in factors {
            let emb = f.entry.action == .decompose(embedding: true)
            try scratch.withBytes(f.a) { try writer.write(AdapterWriter.key(f.entry.path, emb ? ".lora_embedding_A" : ".lora_A.weight"), bytes: $0) }
            try scratch.withBytes(f.b) { try writer.write(AdapterWriter.key(f.entry.path, emb ? ".lora_embedding_B" : ".lora_B.weight"), bytes: $0) }
            if let range = f.bias {
                try scratch.withBytes(range) { try writer.write(AdapterWriter.key(f.entry.path, ".lora_B.bias"), bytes: $0) }
            }
        }
        for e in whole {
            try writer.write(AdapterWriter.key(e.path, ".weight"), bytes: try model.bytes(e.weight))
            if let b = e.bias, model.contains(b) { try writer.write(AdapterWriter.key(e.path, ".bias"), bytes: try model.bytes(b)) }
            model.release(e.weight)
        }
        try writer.finish()
        try JSONFile.write(config(rank: r, factors: factors, baseModelName: baseModelName),
                           to: output.path("adapter_config.json"), writer: .huggingFaceConfig)
        if let readme {
            do { try readme.write(toFile: output.path("README.md"), atomically: false, encoding: .utf8) } catch {
                throw AlloyError.io(output.path("README.md"), "cannot write: \(error)")
            }
        }
        try? FileManager.default.removeItem(atPath: scratch.path)
        try output.commit()
        return factors.map(\.report)
    }

    /// The adapter config: mergekit's fields, `r = lora_alpha =` the largest rank, and the
    /// modules with a smaller rank in both `rank_pattern` and `alpha_pattern` (scaling 1 everywhere).
    func config(rank r: Int, factors: [Factors], baseModelName: String) -> JSONValue {
        let targets = Set(factors.map { ModulePattern.leaf($0.entry.path) }).sorted()
        let lower = factors.filter { $0.rank != r }.map { ($0.entry.path, JSONValue.int($0.rank)) }
        var members: [(String, JSONValue)] = [
            ("base_model_name_or_path", .string(baseModelName)), ("peft_type", "LORA"), ("use_rslora", false),
            ("target_modules", .array(targets.map { .string($0) })),
            ("modules_to_save", .array(plan.modulesToSave.map { .string($0) })),
            ("task_type", "CAUSAL_LM"), ("r", .int(r)), ("lora_alpha", .int(r)),
            ("rank_pattern", .object(lower)), ("alpha_pattern", .object(lower)),
            ("lora_dropout", .number("0.0")), ("fan_in_fan_out", false), ("inference_mode", true), ("bias", "none"),
        ]
        // PEFT's lora_bias gives every target module a lora_B bias, and merge_and_unload refuses
        // modules whose base layer has none: set it only when every decomposed module has one.
        if !factors.isEmpty && factors.allSatisfy({ $0.bias != nil }) { members.append(("lora_bias", true)) }
        return .object(members)
    }

    /// `Δ` as a matrix: `out × in`, or `dim × vocab` (transposed) for embeddings; convs flattened.
    static func matrixShape(_ e: ExtractionPlan.Entry) -> (Int, Int) {
        let rows = e.shape[0], cols = e.shape.dropFirst().reduce(1, *)
        return e.action == .decompose(embedding: true) ? (cols, rows) : (rows, cols)
    }

    /// The dtype a PyTorch subtraction of the two weights would have.
    static func resultDType(_ a: DType, _ b: DType) -> DType {
        if a == b { return a.isEncodable ? a : .F32 }
        if a == .F64 || b == .F64 { return .F64 }
        return .F32
    }

    func factorize(_ e: ExtractionPlan.Entry, scratch: ScratchFile) throws -> Factors {
        let start = Date()
        let ft = try model.tensor(e.weight), bt = try base.tensor(e.baseWeight)
        let dtype = LoRAExtractor.resultDType(model.info(e.weight)!.dtype, base.info(e.baseWeight)!.dtype)
        var delta = ft.values
        LoRAExtractor.subtract(&delta, bt.values)
        model.release(e.weight)
        base.release(e.baseWeight)
        let (m, n) = LoRAExtractor.matrixShape(e)
        if e.action == .decompose(embedding: true) { delta = TruncatedSVD.transpose(delta, rows: n, cols: m) }
        let total = LoRAExtractor.sumOfSquares(delta)
        var rng = SeededRandom(seed: options.seed, stream: e.path)
        let cap = min(options.maxRank, min(m, n))
        let svd = try TruncatedSVD.compute(delta, rows: m, cols: n, rank: cap, strategy: options.svdStrategy, rng: &rng)
        delta = []
        var r = svd.rank
        if options.svEpsilon > 0 { r = min(r, svd.s.filter { Double($0) > options.svEpsilon }.count) }
        if let f = options.energy, total > 0 {
            var cum = 0.0
            var k = 0
            while k < r && cum < f * total { cum += Double(svd.s[k]) * Double(svd.s[k]); k += 1 }
            r = k
        }
        r = max(1, r)
        var kept = 0.0
        for j in 0..<min(r, svd.rank) { kept += Double(svd.s[j]) * Double(svd.s[j]) }
        // A = √σ·Vᵀ and B = U·√σ, or A = σ·Vᵀ and B = U.
        var a = [Float](repeating: 0, count: r * n), b = [Float](repeating: 0, count: m * r)
        for j in 0..<min(r, svd.rank) {
            let sigma = svd.s[j]
            let left = options.distributeScale ? sigma.squareRoot() : 1
            let right = options.distributeScale ? sigma.squareRoot() : sigma
            for c in 0..<n { a[j * n + c] = svd.vt[j * n + c] * right }
            for o in 0..<m { b[o * r + j] = svd.u[o * svd.rank + j] * left }
        }
        let aRange = try scratch.append(a, dtype: dtype)
        let bRange = try scratch.append(b, dtype: dtype)
        var biasRange: Range<Int>?
        if let bias = e.bias, base.contains(bias) {
            var d = try model.tensor(bias).values
            LoRAExtractor.subtract(&d, try base.tensor(bias).values)
            biasRange = try scratch.append(d, dtype: dtype)
        }
        let energy = total > 0 ? min(1, kept / total) : 1
        let report = ModuleReport(module: e.path, shape: e.shape, rank: r, energyKept: energy,
                                  relativeError: max(0, 1 - energy).squareRoot(), randomizedSVD: svd.randomized,
                                  seconds: Date().timeIntervalSince(start))
        return Factors(entry: e, rank: r, dtype: dtype, a: aRange, b: bRange, bias: biasRange, report: report)
    }

    static func subtract(_ x: inout [Float], _ y: [Float]) {
        x.withUnsafeMutableBufferPointer { o in y.withUnsafeBufferPointer { subtractKernel(o, $0) } }
    }

    @inline(never)
    static func subtractKernel(_ o: UnsafeMutableBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) {
        for i in 0..<o.count { o[i] -= y[i] }
    }

    @inline(never)
    static func sumOfSquares(_ x: [Float]) -> Double {
        x.withUnsafeBufferPointer { p in
            var s = 0.0
            var chunk: Float = 0
            for i in 0..<p.count {
                chunk += p[i] * p[i]
                if i & 1023 == 1023 { s += Double(chunk); chunk = 0 }
            }
            return s + Double(chunk)
        }
    }
}

/// Per-index results filled from several threads.
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [T?]
    init(count: Int) { values = [T?](repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
}
