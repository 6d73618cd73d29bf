@testable import AlloyFormat
@testable import AlloyMerge
import AlloyTestSupport
import Foundation

/// Runs a merge method over every tensor of a public case's models (a plain
/// `models:` config, restated here) and judges the result against the reference
/// output with compare.py's rules: `exact` tolerances per element, or, for the
/// random methods, the statistics of what was kept.
struct FixtureMerge {
    var caseName: String
    var method: any MergeMethod
    var base: String?
    var models: [(String, [String: ParameterValue])]
    var global: [String: ParameterValue] = [:]
    /// Fraction of elements allowed outside the tolerance (the case's `outlier_frac`).
    var outlierFraction: Double = 0
    var seed: UInt64 = 42

    /// The dtype mergekit wrote: bf16 (every case works in bf16) unless the method promotes.
    var outputDType: DType { method.promotedResultDType ?? .BF16 }

    static func isEmbedding(_ name: String) -> Bool { name.hasSuffix("embed_tokens.weight") || name.hasPrefix("lm_head.") }

    /// Merged (bf16-rounded) output and reference tensor for every reference tensor name.
    func run() throws -> [(name: String, output: Tensor, reference: Tensor, base: Tensor?, inputs: [Tensor])] {
        let refStore = try TensorStore(path: "\(TestPaths.sharedFixtures)/refs/\(caseName)")
        let baseStore = try base.map { try TensorStore(path: TestPaths.model($0)) }
        let stores = try models.map { try TensorStore(path: TestPaths.model($0.0)) }
        var results: [(String, Tensor, Tensor, Tensor?, [Tensor])] = []
        for name in refStore.names.sorted() {
            func load(_ store: TensorStore) throws -> Tensor? {
                guard store.contains(name) else { return nil }
                var t = try store.tensor(name)
                WorkingPrecision(.BF16).round(&t.values)
                return t
            }
            let baseInput = try baseStore.flatMap { try load($0) }.map { MergeInput(model: base!, tensor: $0) }
            var inputs: [MergeInput] = []
            for (i, store) in stores.enumerated() {
                if let t = try load(store) { inputs.append(MergeInput(model: models[i].0, tensor: t, parameters: models[i].1)) }
            }
            if method.baseRole == .input, let b = baseInput { inputs.insert(b, at: 0) }
            let request = MergeRequest(outputName: name, isEmbedding: Self.isEmbedding(name), base: method.baseRole == .input ? nil : baseInput,
                                       models: inputs, global: global, seed: seed, workingDType: .BF16)
            guard var out = try method.merge(request) else { continue }
            WorkingPrecision(outputDType).round(&out.values)
            results.append((name, out, try refStore.tensor(name), baseInput?.tensor, inputs.map(\.tensor)))
        }
        return results
    }

    /// compare.py's `exact` verdict for one bf16 tensor; nil when it passes.
    static func exactProblem(_ c: [Float], _ r: [Float], outlierFraction: Double, dtype: DType = .BF16) -> String? {
        guard c.count == r.count else { return "size \(c.count) vs \(r.count)" }
        let rtol = dtype == .F32 ? 1e-5 : (dtype == .F16 ? pow(2.0, -9.0) : pow(2.0, -7.0))
        var sumSquares = 0.0, dot = 0.0, cc = 0.0
        for i in 0..<r.count {
            sumSquares += Double(r[i]) * Double(r[i])
            dot += Double(c[i]) * Double(r[i])
            cc += Double(c[i]) * Double(c[i])
        }
        let atol = rtol * (sumSquares / Double(max(r.count, 1))).squareRoot()
        var bad = 0
        for i in 0..<r.count where abs(Double(c[i]) - Double(r[i])) > atol + rtol * abs(Double(r[i])) { bad += 1 }
        let cosine = (cc == 0 && sumSquares == 0) ? 1 : dot / max((cc * sumSquares).squareRoot(), 1e-300)
        let minCosine = outlierFraction > 0 ? 0.999 : 0.9999
        if Double(bad) > outlierFraction * Double(r.count) { return "\(bad)/\(r.count) elements outside tolerance" }
        if cosine < minCosine { return "cosine \(cosine)" }
        return nil
    }

    /// Runs the case and returns the problems of every tensor that fails the exact rules.
    func exactProblems() throws -> [String] {
        try run().compactMap { t in
            Self.exactProblem(t.output.values, t.reference.values, outlierFraction: outlierFraction, dtype: outputDType).map { "\(t.name): \($0)" }
        }
    }
}

extension FixtureMerge {
    /// Writes the merged tensors (bf16) beside copies of the reference's non-tensor
    /// files, then lets compare.py judge them with the case's own `check` mode.
    /// Returns compare.py's exit status and output.
    func judgedByCompareScript() throws -> (status: Int32, output: String) {
        let results = try run()
        let out = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let refDir = "\(TestPaths.sharedFixtures)/refs/\(caseName)"
        for file in try FileManager.default.contentsOfDirectory(atPath: refDir)
        where !file.hasSuffix(".safetensors") && !file.hasSuffix(".safetensors.index.json") {
            try FileManager.default.copyItem(atPath: "\(refDir)/\(file)", toPath: "\(out)/\(file)")
        }
        let specs = results.map { TensorSpec(name: $0.name, dtype: outputDType, shape: $0.output.shape) }
        let writer = try ShardedWriter(directory: out, tensors: specs, maxShardBytes: 1 << 40)
        for r in results { try writer.write(r.name, values: r.output.values) }
        _ = try writer.finish()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "../tools/compare.py", out, "refs/\(caseName)", "--case-file", "cases/\(caseName).yml", "--quiet"]
        process.currentDirectoryURL = URL(fileURLWithPath: TestPaths.sharedFixtures)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
