import Foundation
import Testing

/// merge-lora, apply-lora, merge-yaml and merge-moe on adapter kinds other than LoRA:
/// (IA)³ merges and folds, LoHa/LoKr folds against PEFT-made references
/// (Fixtures/lycoris, made by make_lycoris.py), and the errors.
@Suite struct AdapterKindToolTests {
    static let fx = ToolTestSupport.fixtures
    static let lycoris = ToolTestSupport.packageRoot + "/Tests/AlloyToolTests/Fixtures/lycoris"

    @Test(arguments: ["loha", "lokr"])
    func lycorisFoldMatchesPEFTMergeAndUnload(kind: String) throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try ToolTestSupport.run("apply-lora", ["./models/llama-base", Self.lycoris + "/" + kind, dir + "/out", "--dtype", "float32", "--json"],
                                          in: Self.fx)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"modules_folded\": 4") && run.stdout.contains("\"tensors_changed\": 4"), "\(run.stdout)")
        // PEFT's folded weights for the four adapted modules, float32: equal up to summation order.
        let adapted = kind == "loha" ? #"layers\.[02]\.self_attn\.(q|v)_proj"# : #"layers\.[02]\.self_attn\.(k|o)_proj"#
        let diff = try ToolTestSupport.run("tensor-diff", [dir + "/out", Self.lycoris + "/\(kind)-merged.safetensors",
                                                           "--atol", "1e-6", "--rtol", "1e-6", "--filter", adapted])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        // The folds really changed them, and everything else is the base's.
        let changed = try ToolTestSupport.run("tensor-diff", [dir + "/out", Self.fx + "/models/llama-base", "--allow-dtype-change",
                                                              "--filter", adapted, "-q"])
        #expect(changed.status == 1)
        let rest = try ToolTestSupport.run("tensor-diff", [dir + "/out", Self.fx + "/models/llama-base", "--allow-dtype-change",
                                                           "--atol", "0", "--rtol", "0", "--exclude", adapted])
        #expect(rest.status == 0, "\(rest.stdout)")
    }

    @Test func mergeLoraRefusesToMixLoRAAndIA3() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ToolTestSupport.run("merge-lora", ["./adapters/ia3-a", "./models/lora-a", "--out", dir + "/out"], in: Self.fx)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("./models/lora-a is a LoRA adapter")
                && r.stderr.contains("(IA)³"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func mergeLoraOnIA3AcceptsLinearOnly() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ok = try ToolTestSupport.run("merge-lora", ["./adapters/ia3-a", "./adapters/ia3-c", "--method", "linear", "--out", dir + "/lin", "-q"], in: Self.fx)
        #expect(ok.status == 0, "\(ok.stderr)")
        for (flags, named) in [(["--method", "ties"], "--method ties"), (["--density", "0.5"], "--density"), (["--svd-rank", "4"], "--svd-rank")] {
            let r = try ToolTestSupport.run("merge-lora", ["./adapters/ia3-a", "./adapters/ia3-c", "--out", dir + "/bad"] + flags, in: Self.fx)
            #expect(r.status == 2 && r.stderr.contains(named) && r.stderr.split(separator: "\n").count == 1, "\(flags): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
        }
        let lora = try ToolTestSupport.run("merge-lora", ["./models/lora-a", "--ia3-missing-as-identity", "--out", dir + "/bad"], in: Self.fx)
        #expect(lora.status == 2 && lora.stderr.contains("--ia3-missing-as-identity"))
        let loha = try ToolTestSupport.run("merge-lora", [Self.lycoris + "/loha", "--out", dir + "/bad"], in: Self.fx)
        #expect(loha.status == 2 && loha.stderr.contains("LoHa") && loha.stderr.contains("apply-lora"), "\(loha.stderr)")
    }

    @Test func partialModulesAreNamedInTheWarningAndTheJSON() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ToolTestSupport.run("merge-lora", ["./adapters/ia3-a", "./adapters/ia3-b", "--weights=0.6,0.4", "--out", dir + "/out", "--json"],
                                        in: Self.fx)
        #expect(r.status == 0, "\(r.stderr)")
        let warning = r.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warning.count == 1 && warning[0].contains("model.layers.3.mlp.up_proj") && warning[0].contains("--ia3-missing-as-identity"),
                "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((json?["partial_modules"] as? [String])?.count == 4)
        #expect(json?["peft_type"] as? String == "IA3" && json?["modules"] as? Int == 16)
    }

    @Test func applyLoraRefusesToScaleAnIA3Adapter() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try ToolTestSupport.run("apply-lora", ["./models/llama-base", "./adapters/ia3-a", dir + "/out", "--scale", "2"], in: Self.fx)
        #expect(r.status == 2 && r.stderr.contains("(IA)³") && r.stderr.contains("--scale"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func mergeYamlFoldsAnIA3AdapterReferenceAsApplyLoraDoes() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = """
            merge_method: linear
            models:
              - model: ./models/llama-base+./adapters/ia3-b
                parameters: {weight: 1.0}
            dtype: float32
            """
        let merged = try ToolTestSupport.run("merge-yaml", ["-", dir + "/merged", "--quiet"], in: Self.fx, stdin: config)
        #expect(merged.status == 0, "\(merged.stderr)")
        let applied = try ToolTestSupport.run("apply-lora", ["./models/llama-base", "./adapters/ia3-b", dir + "/applied", "--dtype", "float32", "-q"],
                                              in: Self.fx)
        #expect(applied.status == 0, "\(applied.stderr)")
        let same = try ToolTestSupport.run("tensor-diff", [dir + "/merged", dir + "/applied", "--atol", "0", "--rtol", "0"])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        let changed = try ToolTestSupport.run("tensor-diff", [dir + "/merged", Self.fx + "/models/llama-base", "--allow-dtype-change",
                                                              "--filter", "mlp\\.up_proj", "-q"])
        #expect(changed.status == 1)
    }

    @Test func mergeMoeFoldsAdapterReferencesBeforeAssembly() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let applied = try ToolTestSupport.run("apply-lora", ["./models/llama-ft1", "./adapters/ia3-b", dir + "/ft1-ia3", "-q"], in: Self.fx)
        #expect(applied.status == 0, "\(applied.stderr)")
        func config(_ expert: String) -> String {
            """
            base_model: ./models/llama-base
            gate_mode: random
            dtype: bfloat16
            experts:
              - source_model: \(expert)
              - source_model: ./models/llama-ft2
            """
        }
        var outs: [String] = []
        for (name, expert) in [("ref", "{model: \(dir)/ft1-ia3}"), ("plus", "./models/llama-ft1+./adapters/ia3-b"),
                               ("object", "{model: ./models/llama-ft1, lora: ./adapters/ia3-b}")] {
            try config(expert).write(toFile: dir + "/\(name).yml", atomically: true, encoding: .utf8)
            let r = try ToolTestSupport.run("merge-moe", [dir + "/\(name).yml", dir + "/" + name, "--random-seed", "7", "-q",
                                                          "--i-understand-this-is-not-useful-without-training"], in: Self.fx)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            outs.append(dir + "/" + name)
        }
        for other in outs.dropFirst() {
            let same = try ToolTestSupport.run("tensor-diff", [outs[0], other, "--atol", "0", "--rtol", "0"])
            #expect(same.status == 0, "\(other): \(same.stdout)\(same.stderr)")
        }
        // No scratch copies are left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("alloy-moe-fold-") }
        #expect(left.isEmpty, "\(left)")
    }
}

extension AdapterKindToolTests {
    @Test func ia3TensorsWithoutTheirConfigAreRefusedNotCopied() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/bare", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fx + "/adapters/ia3-a/adapter_model.safetensors", toPath: dir + "/bare/adapter_model.safetensors")
        let r = try ToolTestSupport.run("apply-lora", ["./models/llama-base", dir + "/bare", dir + "/out"], in: Self.fx)
        #expect(r.status == 2 && r.stderr.contains("ia3_l") && r.stderr.contains("adapter_config.json"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
