import AlloyCore
import Foundation
import Testing

/// merge-yaml on architectures the shared fixtures do not cover (Qwen3, Gemma 1/2/3, Phi-3,
/// GPT-2, a decoder nested under `model.language_model`): tiny random models with the real
/// tensor names and config keys are written by `Fixtures/arch_models.py` (numpy), merged with
/// linear, ties, slerp and a passthrough frankenmerge, and checked for tensor set, shapes,
/// layer renumbering, config.json and values against numpy's computation of the method.
@Suite("merge-yaml architectures", .serialized)
struct MergeYamlArchitectureTests {
    /// Architecture name in the generator, its layer prefix, its layer-count key, and whether it has an untied LM head.
    struct Architecture: Sendable, CustomStringConvertible {
        var name: String
        var layerPrefix: String
        var layerCountKey: String
        var hasHead: Bool
        var description: String { name }
    }

    static let architectures = [
        Architecture(name: "qwen3", layerPrefix: "model.layers", layerCountKey: "num_hidden_layers", hasHead: true),
        Architecture(name: "gemma", layerPrefix: "model.layers", layerCountKey: "num_hidden_layers", hasHead: false),
        Architecture(name: "gemma2", layerPrefix: "model.layers", layerCountKey: "num_hidden_layers", hasHead: false),
        Architecture(name: "gemma3", layerPrefix: "model.layers", layerCountKey: "num_hidden_layers", hasHead: false),
        Architecture(name: "phi3", layerPrefix: "model.layers", layerCountKey: "num_hidden_layers", hasHead: true),
        Architecture(name: "gpt2", layerPrefix: "transformer.h", layerCountKey: "n_layer", hasHead: false),
        Architecture(name: "nested", layerPrefix: "model.language_model.layers", layerCountKey: "text_config.num_hidden_layers", hasHead: true),
    ]
    static let methods = ["linear", "ties", "slerp", "passthrough"]

    static let script = ToolTestSupport.packageRoot + "/Tests/AlloyToolTests/Fixtures/arch_models.py"

    /// The generated models, written once per test process.
    static let models: String = {
        let dir = ToolTestSupport.temporaryDirectory()
        let r = try? ToolTestSupport.runExecutable("/usr/bin/env", ["python3", script, "make", dir])
        if r?.status != 0 { print("arch_models.py make failed: \(r?.stderr ?? "python3 not found")") }
        return dir
    }()

    static let hasTransformers: Bool = {
        (try? ToolTestSupport.runExecutable("/usr/bin/env", ["python3", "-c", "import torch, transformers"]))?.status == 0
    }()

    /// The configuration each method is tested with (the numpy reference in arch_models.py assumes these).
    static func configuration(_ method: String, _ arch: String) -> (yaml: String, inputs: [String]) {
        let m = models + "/" + arch
        switch method {
        case "linear":
            return ("""
                merge_method: linear
                models:
                  - model: \(m)-ft1
                    parameters: {weight: 0.3}
                  - model: \(m)-ft2
                    parameters: {weight: 0.7}
                out_dtype: bfloat16

                """, [m + "-ft1", m + "-ft2"])
        case "ties":
            return ("""
                merge_method: ties
                base_model: \(m)-base
                models:
                  - model: \(m)-ft1
                    parameters: {weight: 1.0, density: 0.5}
                  - model: \(m)-ft2
                    parameters: {weight: 0.5, density: 0.5}
                dtype: float32

                """, [m + "-base", m + "-ft1", m + "-ft2"])
        case "slerp":
            return ("""
                merge_method: slerp
                base_model: \(m)-base
                models:
                  - model: \(m)-base
                  - model: \(m)-ft1
                parameters: {t: 0.4}

                """, [m + "-base", m + "-ft1"])
        default:
            return ("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: \(m)-ft1
                        layer_range: [0, 2]
                  - sources:
                      - model: \(m)-ft2
                        layer_range: [1, 3]

                """, [m + "-ft1", m + "-ft2"])
        }
    }

    /// Output tensor names and shapes expected from the input's, with layers renumbered for the
    /// frankenmerge (output layers 0-1 from ft1's 0-1, 2-3 from ft2's 1-2; all layers share a shape set).
    static func expectedTensors(_ arch: Architecture, input: TensorStore, frankenmerge: Bool) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for name in input.names {
            let shape = input.info(name)!.shape
            guard frankenmerge, name.hasPrefix(arch.layerPrefix + ".") else { out[name] = shape; continue }
            let rest = name.dropFirst(arch.layerPrefix.count + 1)
            guard let dot = rest.firstIndex(of: "."), rest[..<dot] == "0" else { continue }
            for layer in 0..<4 { out["\(arch.layerPrefix).\(layer).\(rest[rest.index(after: dot)...])"] = shape }
        }
        return out
    }

    @Test(arguments: architectures, methods)
    func mergesLikeNumpy(arch: Architecture, method: String) throws {
        let (yaml, inputs) = Self.configuration(method, arch.name)
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let r = try ToolTestSupport.run("merge-yaml", ["-", out, "--quiet", "-j", "1"], stdin: yaml)
        try #require(r.status == 0, "\(r.stderr)")

        // Tensor set, shapes and dtypes.
        let output = try TensorStore(path: out)
        let expected = Self.expectedTensors(arch, input: try TensorStore(path: inputs.last!), frankenmerge: method == "passthrough")
        #expect(Set(output.names) == Set(expected.keys), "\(Set(output.names).symmetricDifference(expected.keys).sorted())")
        for name in output.names {
            #expect(output.info(name)?.shape == expected[name], "\(name)")
            #expect(output.info(name)?.dtype == (method == "linear" ? .BF16 : .F32), "\(name)")
        }
        #expect(output.names.contains("lm_head.weight") == arch.hasHead)

        // config.json: layer count, dtype, tied embeddings, per-layer lists.
        let config = ModelConfig(json: try JSONFile.read(out + "/config.json"))
        let layers = method == "passthrough" ? 4 : 3
        #expect(config.value(at: arch.layerCountKey)?.intValue == layers)
        #expect(config.json["torch_dtype"]?.stringValue == (method == "linear" ? "bfloat16" : "float32"))
        let donor = ModelConfig(json: try JSONFile.read(inputs[0] + "/config.json"))
        #expect(config.json["tie_word_embeddings"]?.boolValue == donor.json["tie_word_embeddings"]?.boolValue)
        if let types = config.json["layer_types"]?.arrayValue { #expect(types.count == layers) }

        // Values against numpy.
        let check = try ToolTestSupport.runExecutable("/usr/bin/env", ["python3", Self.script, "check", method, out] + inputs)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// A frankenmerge's `layer_types` follow the layers they came from (transformers rejects a
    /// config whose list length differs from the layer count).
    @Test func frankenmergeRebuildsLayerTypes() throws {
        let (yaml, _) = Self.configuration("passthrough", "gemma3")
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ToolTestSupport.run("merge-yaml", ["-", dir + "/out", "--quiet"], stdin: yaml)
        try #require(r.status == 0, "\(r.stderr)")
        let source = try JSONFile.read(Self.models + "/gemma3-ft1/config.json")["layer_types"]?.arrayValue ?? []
        let types = try JSONFile.read(dir + "/out/config.json")["layer_types"]?.arrayValue ?? []
        try #require(source.count == 3)
        #expect(types == [source[0], source[1], source[1], source[2]])
    }

    /// Every architecture transformers knows loads without missing or unexpected weights and
    /// gives finite logits after a ties merge and a frankenmerge (skipped without transformers).
    @Test(.enabled(if: hasTransformers, "python3 cannot import torch and transformers"))
    func outputsLoadInTransformers() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var outputs: [String] = []
        for arch in Self.architectures where arch.name != "nested" {
            for method in ["ties", "passthrough"] {
                let out = "\(dir)/\(arch.name)-\(method)"
                let r = try ToolTestSupport.run("merge-yaml", ["-", out, "--quiet"], stdin: Self.configuration(method, arch.name).yaml)
                try #require(r.status == 0, "\(r.stderr)")
                outputs.append(out)
            }
        }
        let load = try ToolTestSupport.runExecutable("/usr/bin/env", ["python3", Self.script, "load"] + outputs)
        #expect(load.status == 0, "\(load.stdout)\(load.stderr.suffix(2000))")
    }
}
