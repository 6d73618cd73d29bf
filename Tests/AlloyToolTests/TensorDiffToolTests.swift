import AlloyCore
import Foundation
import Testing

/// `tensor-diff` end to end: equal inputs in different layouts, inputs that differ
/// only by bf16 rounding, really different inputs, and its exit codes and JSON.
@Suite struct TensorDiffToolTests {
    static let models = ToolTestSupport.fixtures + "/models"

    static func diff(_ args: [String]) throws -> ToolTestSupport.Result {
        try ToolTestSupport.run("tensor-diff", args)
    }

    static func json(_ r: ToolTestSupport.Result) throws -> JSONValue { try JSONParser.parse(r.stdout) }

    /// Writes `source`'s tensors as `dtype` after `transform`, to a new directory (sharded when `maxShardBytes` is small).
    static func write(_ source: String, dtype: DType, maxShardBytes: Int = 1 << 40, prefix: String = "",
                      transform: (String, inout [Float]) -> Void = { _, _ in }) throws -> String {
        let store = try TensorStore(path: source)
        let dir = ToolTestSupport.temporaryDirectory()
        let specs = store.names.map { TensorSpec(name: prefix + $0, dtype: dtype, shape: store.info($0)!.shape) }
        let writer = try ShardedWriter(directory: dir, tensors: specs, maxShardBytes: maxShardBytes)
        for name in store.names {
            var values = try store.tensor(name).values
            transform(name, &values)
            try writer.write(prefix + name, values: values)
        }
        try writer.finish()
        return dir
    }

    @Test func sameWeightsInOneFileAndInShardsAreEqual() throws {
        let r = try Self.diff([Self.models + "/llama-ft2", Self.models + "/llama-ft2-sharded"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("result: equal"))
        let exact = try Self.diff(["--atol", "0", "--rtol", "0", "--json", Self.models + "/llama-ft2", Self.models + "/llama-ft2-sharded"])
        #expect(exact.status == 0)
        let doc = try Self.json(exact)
        #expect(doc["schema_version"] == .int(1))
        #expect(doc["equal"] == .bool(true))
        #expect(doc["summary"]?["compared"] == .int(39))
        for t in doc["tensors"]!.arrayValue! {
            #expect(t["max_abs_diff"]?.doubleValue == 0)
            #expect(t["cosine_similarity"]?.doubleValue == 1)
        }
    }

    @Test func bf16TensorsDifferingOnlyByRoundingPassByDefault() throws {
        // Two bf16 roundings of values that differ by at most 0.1%: at most one unit in the last place apart.
        let source = Self.models + "/llama-ft2-fp32"
        let a = try Self.write(source, dtype: .BF16)
        var rng = SeededRandom(seed: 7)
        let b = try Self.write(source, dtype: .BF16, maxShardBytes: 100_000) { _, values in
            for i in values.indices { values[i] *= 1 + 0.001 * (rng.nextUnitFloat() * 2 - 1) }
        }
        let r = try Self.diff(["--json", a, b])
        #expect(r.status == 0, "\(r.stdout)")
        let tensors = try Self.json(r)["tensors"]!.arrayValue!
        let changed = tensors.filter { ($0["max_abs_diff"]?.doubleValue ?? 0) > 0 }
        #expect(changed.count > 30, "the inputs really differ in most tensors")
        for t in tensors {
            #expect(t["status"] == .string("equal"))
            #expect(t["max_rel_diff"]!.doubleValue! <= 0x1p-7 + 1e-12, "one bf16 ulp at most: \(t)")
            #expect(t["rtol"]?.doubleValue == 0.016)
        }
        let exact = try Self.diff(["--atol", "0", "--rtol", "0", a, b])
        #expect(exact.status == 1, "exact comparison sees the rounding")
        #expect(exact.stdout.contains("result: different"))
    }

    @Test func reallyDifferentModelsDiffer() throws {
        let r = try Self.diff(["--json", Self.models + "/llama-base", Self.models + "/llama-ft1"])
        #expect(r.status == 1)
        let doc = try Self.json(r)
        #expect(doc["equal"] == .bool(false))
        let store = try TensorStore(path: Self.models + "/llama-base"), other = try TensorStore(path: Self.models + "/llama-ft1")
        let name = "model.layers.1.self_attn.q_proj.weight"
        let t = doc["tensors"]!.arrayValue!.first { $0["name"] == .string(name) }!
        #expect(t["status"] == .string("different"))
        // Independent check of the reported figures.
        let x = try store.tensor(name).values.map(Double.init), y = try other.tensor(name).values.map(Double.init)
        let maxAbs = zip(x, y).map { abs($0 - $1) }.max()!
        let rms = (zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(x.count)).squareRoot()
        let dot: Double = zip(x, y).map { $0 * $1 }.reduce(0, +)
        let normX: Double = x.map { $0 * $0 }.reduce(0, +).squareRoot()
        let normY: Double = y.map { $0 * $0 }.reduce(0, +).squareRoot()
        let cos = dot / (normX * normY)
        let beyond = zip(x, y).filter { (p: (Double, Double)) -> Bool in abs(p.0 - p.1) > 1e-5 + 0.016 * max(abs(p.0), abs(p.1)) }.count
        #expect(t["max_abs_diff"]?.doubleValue == maxAbs)
        #expect(abs(t["rms_diff"]!.doubleValue! - rms) < 1e-12)
        #expect(abs(t["cosine_similarity"]!.doubleValue! - cos) < 1e-12)
        #expect(t["mismatches"]?.intValue == beyond)
    }

    @Test func missingTensorsShapeAndDtypeChangesAreDifferences() throws {
        let tied = try Self.json(try Self.diff(["--json", Self.models + "/llama-ft1", Self.models + "/llama-ft1-tied"]))
        #expect(tied["summary"]?["only_in_a"] == .int(1))
        #expect(tied["tensors"]!.arrayValue!.first { $0["status"] == .string("only_in_a") }?["name"] == .string("lm_head.weight"))
        let vocab = try Self.diff(["--ndjson", Self.models + "/llama-ft1", Self.models + "/llama-ft3-chatml"])
        #expect(vocab.status == 1)
        let records = try vocab.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(records.count == 40)
        #expect(records.last?["type"] == .string("summary"))
        #expect(records.filter { $0["status"] == .string("shape_changed") }.count == 2)
        let dtype = try Self.diff([Self.models + "/llama-ft2", Self.models + "/llama-ft2-fp32"])
        #expect(dtype.status == 1, "a dtype change is a difference by default")
        let allowed = try Self.diff(["--allow-dtype-change", Self.models + "/llama-ft2", Self.models + "/llama-ft2-fp32"])
        #expect(allowed.status == 0, "fp32 and its bf16 rounding agree within bf16 tolerance: \(allowed.stdout)")
    }

    @Test func prefixMappingAndFilters() throws {
        let prefixed = try Self.write(Self.models + "/llama-base-fp32", dtype: .F32, prefix: "base_model.model.")
        let plain = try Self.diff([prefixed, Self.models + "/llama-base-fp32"])
        #expect(plain.status == 1)
        let mapped = try Self.diff(["--strip-prefix-a", "base_model.model.", prefixed, Self.models + "/llama-base-fp32"])
        #expect(mapped.status == 0, "\(mapped.stdout)")
        let added = try Self.diff(["--add-prefix-b", "base_model.model.", prefixed, Self.models + "/llama-base-fp32"])
        #expect(added.status == 0)
        let filtered = try Self.json(try Self.diff(["--json", "--filter", "layers\\.2\\.", "--exclude", "mlp",
                                                    Self.models + "/llama-base", Self.models + "/llama-ft1"]))
        #expect(filtered["summary"]?["compared"] == .int(6))
    }

    @Test func errorsAndUsage() throws {
        let missing = try Self.diff([Self.models + "/llama-base", "/nonexistent"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("tensor-diff: error: /nonexistent"))
        let usage = try Self.diff([Self.models + "/llama-base"])
        #expect(usage.status == 64)
        let badTolerance = try Self.diff(["--rtol", "nan", Self.models + "/llama-base", Self.models + "/llama-base"])
        #expect(badTolerance.status == 64)
    }
}
