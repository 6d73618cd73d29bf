import AlloyCore
import Foundation
import Testing

/// Every fixture model and adapter, inspected by the built `safetensors-inspect`
/// and checked against the tensor list its config implies (Hugging Face naming
/// for Llama/Mistral/Qwen2, PEFT naming for LoRA adapters).
@Suite struct FixtureInventoryTests {
    static let modelsDirectory = ToolTestSupport.fixtures + "/models"
    static let fixtureNames: [String] = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: modelsDirectory)) ?? []
        return entries.filter { !$0.hasSuffix(".json") }.sorted()
    }()

    typealias Expected = [String: (dtype: String, shape: [Int])]

    static func dtypeName(_ torch: String) -> String {
        ["bfloat16": "BF16", "float16": "F16", "float32": "F32"][torch] ?? torch
    }

    /// (out, in) of each projection, from the config's sizes.
    static func projections(_ c: JSONValue) -> [String: (String, [Int])] {
        let hidden = c["hidden_size"]!.intValue!, heads = c["num_attention_heads"]!.intValue!
        let kv = c["num_key_value_heads"]?.intValue ?? heads
        let headDim = c["head_dim"]?.intValue ?? hidden / heads
        let inter = c["intermediate_size"]!.intValue!
        return [
            "q_proj": ("self_attn", [heads * headDim, hidden]), "k_proj": ("self_attn", [kv * headDim, hidden]),
            "v_proj": ("self_attn", [kv * headDim, hidden]), "o_proj": ("self_attn", [hidden, heads * headDim]),
            "gate_proj": ("mlp", [inter, hidden]), "up_proj": ("mlp", [inter, hidden]), "down_proj": ("mlp", [hidden, inter]),
        ]
    }

    static func expectedModel(_ c: JSONValue) -> Expected {
        let dtype = dtypeName((c["torch_dtype"] ?? c["dtype"])!.stringValue!)
        let hidden = c["hidden_size"]!.intValue!, vocab = c["vocab_size"]!.intValue!
        let bias = c["model_type"]?.stringValue == "qwen2" || c["attention_bias"]?.boolValue == true
        var e: Expected = ["model.embed_tokens.weight": (dtype, [vocab, hidden]), "model.norm.weight": (dtype, [hidden])]
        if c["tie_word_embeddings"]?.boolValue != true { e["lm_head.weight"] = (dtype, [vocab, hidden]) }
        for layer in 0..<c["num_hidden_layers"]!.intValue! {
            let prefix = "model.layers.\(layer)."
            e[prefix + "input_layernorm.weight"] = (dtype, [hidden])
            e[prefix + "post_attention_layernorm.weight"] = (dtype, [hidden])
            for (module, (block, shape)) in projections(c) {
                e[prefix + "\(block).\(module).weight"] = (dtype, shape)
                if bias && ["q_proj", "k_proj", "v_proj"].contains(module) { e[prefix + "\(block).\(module).bias"] = (dtype, [shape[0]]) }
            }
        }
        return e
    }

    static func expectedAdapter(_ a: JSONValue, base: JSONValue) -> Expected {
        let r = a["r"]!.intValue!
        let targets = a["target_modules"]!.arrayValue!.compactMap(\.stringValue)
        var e: Expected = [:]
        for layer in 0..<base["num_hidden_layers"]!.intValue! {
            for (module, (block, shape)) in projections(base) where targets.contains(module) {
                let prefix = "base_model.model.model.layers.\(layer).\(block).\(module)."
                e[prefix + "lora_A.weight"] = ("F32", [r, shape[1]])  // PEFT keeps adapters in float32
                e[prefix + "lora_B.weight"] = ("F32", [shape[0], r])
            }
        }
        return e
    }

    static func expected(for name: String) throws -> Expected {
        let dir = modelsDirectory + "/" + name
        if FileManager.default.fileExists(atPath: dir + "/adapter_config.json") {
            let adapter = try JSONFile.read(dir + "/adapter_config.json")
            let basePath = adapter["base_model_name_or_path"]!.stringValue!
            let base = try JSONFile.read(ToolTestSupport.fixtures + "/" + basePath + "/config.json")
            return expectedAdapter(adapter, base: base)
        }
        return expectedModel(try JSONFile.read(dir + "/config.json"))
    }

    @Test func everyFixtureIsCovered() {
        #expect(Self.fixtureNames.count >= 20, "\(Self.fixtureNames)")
    }

    @Test(arguments: fixtureNames) func inspectListsTheExpectedTensors(_ name: String) throws {
        let expected = try Self.expected(for: name)
        let r = try ToolTestSupport.run("safetensors-inspect", ["--json", Self.modelsDirectory + "/" + name])
        #expect(r.status == 0, "\(name): \(r.stderr)")
        let report = try JSONParser.parse(r.stdout)["inputs"]![0]!
        #expect(report["valid"] == .bool(true))
        let tensors = report["tensors"]!.arrayValue!
        var seen: Expected = [:]
        for t in tensors {
            seen[t["name"]!.stringValue!] = (t["dtype"]!.stringValue!, t["shape"]!.arrayValue!.compactMap(\.intValue))
        }
        #expect(Set(seen.keys) == Set(expected.keys), "\(name): extra \(Set(seen.keys).subtracting(expected.keys)), missing \(Set(expected.keys).subtracting(seen.keys))")
        for (tensor, want) in expected {
            guard let got = seen[tensor] else { continue }
            #expect(got.dtype == want.dtype && got.shape == want.shape, "\(name) \(tensor): \(got) vs \(want)")
        }
        // Totals agree with the tensor list and with the files on disk.
        let parameters = expected.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        #expect(report["parameters"]?.intValue == parameters)
        let bytes = tensors.reduce(0) { $0 + $1["bytes"]!.intValue! }
        #expect(report["bytes"]?.intValue == bytes)
        for file in report["files"]!.arrayValue! {
            let size = try FileManager.default.attributesOfItem(atPath: file["path"]!.stringValue!)[.size] as? Int
            #expect(file["size"]?.intValue == size)
            #expect(file["size"]!.intValue! == 8 + file["header_bytes"]!.intValue! + file["data_bytes"]!.intValue!)
        }
        if let total = report["index"]?["metadata"]?["total_size"]?.intValue { #expect(total == bytes) }
    }

    @Test func ndjsonHasOneRecordPerTensorThenASummary() throws {
        let r = try ToolTestSupport.run("safetensors-inspect", ["--ndjson", Self.modelsDirectory + "/llama-ft2-sharded"])
        #expect(r.status == 0)
        let records = try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(records.count == 40)
        #expect(records.dropLast().allSatisfy { $0["type"] == .string("tensor") && $0["schema_version"] == .int(1) })
        #expect(records.last?["type"] == .string("summary"))
        #expect(records.last?["tensor_count"] == .int(39))
        #expect(records.last?["files"]?.arrayValue?.count == 2)
    }

    @Test func statsMatchValuesComputedDirectly() throws {
        let path = Self.modelsDirectory + "/llama-ft1-fp16"
        let r = try ToolTestSupport.run("safetensors-inspect", ["--json", "--stats", "--threads", "2", "--filter", "norm", path])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try TensorStore(path: path)
        let tensors = try JSONParser.parse(r.stdout)["inputs"]![0]!["tensors"]!.arrayValue!
        #expect(tensors.count == 9)
        for t in tensors {
            let values = try store.tensor(t["name"]!.stringValue!).values.map(Double.init)
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            let s = t["stats"]!
            #expect(s["min"]?.doubleValue.map(Float.init) == values.min().map(Float.init))  // shortest Float spelling
            #expect(s["max"]?.doubleValue.map(Float.init) == values.max().map(Float.init))
            #expect(abs(s["mean"]!.doubleValue! - mean) < 1e-12)
            #expect(abs(s["std"]!.doubleValue! - std) < 1e-12)
            #expect(abs(s["mean_abs"]!.doubleValue! - values.map(abs).reduce(0, +) / Double(values.count)) < 1e-12)
            #expect(s["zeros"]?.intValue == values.filter { $0 == 0 }.count)
        }
    }

    @Test func filterSortAndMetadataOptions() throws {
        let path = Self.modelsDirectory + "/llama-base"
        let r = try ToolTestSupport.run("safetensors-inspect", ["--json", "--sort", "name", "--filter", "^model\\.layers\\.\\d+\\.mlp\\.down", path])
        let names = try JSONParser.parse(r.stdout)["inputs"]![0]!["tensors"]!.arrayValue!.compactMap { $0["name"]?.stringValue }
        #expect(names == (0..<4).map { "model.layers.\($0).mlp.down_proj.weight" })
        let bySize = try ToolTestSupport.run("safetensors-inspect", ["--json", "--sort", "size", path])
        let sizes = try JSONParser.parse(bySize.stdout)["inputs"]![0]!["tensors"]!.arrayValue!.compactMap { $0["bytes"]?.intValue }
        #expect(sizes == sizes.sorted(by: >))
        let meta = try ToolTestSupport.run("safetensors-inspect", ["--metadata", path])
        #expect(meta.status == 0)
        #expect(meta.stdout.contains("format: pt"))
        #expect(!meta.stdout.contains("embed_tokens"))
    }
}
