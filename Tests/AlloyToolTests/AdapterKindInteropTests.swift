import AlloyCore
import Foundation
import Testing

/// (IA)³, LoHa and LoKr outputs in PEFT itself (check_peft.py): the merged (IA)³ adapter
/// merge-lora writes loads in PEFT with nothing missing or unexpected and equals PEFT's own
/// `IA3Model.add_weighted_adapter`; apply-lora's folds equal PEFT's `merge_and_unload`.
/// Disabled when PyTorch, Transformers or PEFT cannot be imported.
@Suite(.serialized, .enabled(if: Interop.available, "needs python3 with torch, transformers and peft"))
struct AdapterKindInteropTests {
    static let adapters = ToolTestSupport.fixtures + "/adapters"
    static let lycoris = ToolTestSupport.packageRoot + "/Tests/AlloyToolTests/Fixtures/lycoris"

    @Test func mergedIA3AdapterLoadsInPEFTAndMatchesAddWeightedAdapter() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = Interop.model("llama-base")
        // ia3-b has up_proj, which ia3-c lacks: PEFT's zero-initialised partial modules.
        let merges: [(name: String, adapters: [String], weights: [Double])] = [
            ("cb", ["ia3-c", "ia3-b"], [0.3, 0.9]),
            ("bac", ["ia3-b", "ia3-a", "ia3-c"], [-0.5, 1.5, 0.25]),
        ]
        var spec: [JSONValue] = []
        for m in merges {
            let paths = m.adapters.map { Self.adapters + "/" + $0 }
            try Interop.tool("merge-lora", paths + ["--out", "\(dir)/\(m.name)", "--weights=" + m.weights.map { String($0) }.joined(separator: ","), "-q"])
            spec.append(Interop.object(["task": "ia3_weighted", "base": .string(base), "adapters": .array(paths.map { .string($0) }),
                                        "weights": .array(m.weights.map { .double($0) }), "alloy": .string("\(dir)/\(m.name)")]))
        }
        for m in merges { spec.append(Interop.object(["task": "load", "base": .string(base), "adapter": .string("\(dir)/\(m.name)")])) }
        let reports = try Interop.check("check_peft.py", spec: .array(spec))
        #expect(reports.count == 2 * merges.count)
        for (m, r) in zip(merges, reports) {
            #expect(r["error"] == nil, "\(m.name): \(r.string("error"))")
            #expect(r.strings("modules_only_peft").isEmpty && r.strings("modules_only_alloy").isEmpty && r.strings("shape_mismatches").isEmpty,
                    "\(m.name): \(r.strings("modules_only_peft")) \(r.strings("modules_only_alloy")) \(r.strings("shape_mismatches"))")
            #expect(r.number("modules") == 16 && r.number("max_abs_diff") <= 1e-7, "\(m.name): \(r.number("modules")) modules, diff \(r.number("max_abs_diff"))")
            #expect(r["target_modules"]?[0] == r["target_modules"]?[1] && r["feedforward_modules"]?[0] == r["feedforward_modules"]?[1],
                    "\(m.name): \(r["target_modules"].map { JSONWriter.compact.string($0) } ?? "") \(r["feedforward_modules"].map { JSONWriter.compact.string($0) } ?? "")")
        }
        for (m, r) in zip(merges, reports.dropFirst(merges.count)) {
            #expect(r["error"] == nil, "\(m.name): \(r.string("error"))")
            #expect(r.strings("warnings").isEmpty, "\(m.name): \(r.strings("warnings"))")
            #expect(r.strings("keys_only_loaded").isEmpty && r.strings("keys_only_file").isEmpty,
                    "\(m.name): \(r.strings("keys_only_loaded")) \(r.strings("keys_only_file"))")
            #expect(r.number("tensors") == 16 && r.number("max_abs_diff") == 0, "\(m.name): \(r.number("tensors")) tensors, diff \(r.number("max_abs_diff"))")
        }
    }

    @Test func foldsMatchPEFTMergeAndUnload() throws {
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let runs: [(base: String, adapter: String, name: String)] = [
            (Interop.model("llama-base"), Self.adapters + "/ia3-b", "ia3-b"),
            (Interop.model("llama-base-fp32"), Self.adapters + "/ia3-a", "ia3-a-fp32"),
            (Interop.model("llama-base"), Self.lycoris + "/loha", "loha"),
            (Interop.model("llama-base"), Self.lycoris + "/lokr", "lokr"),
        ]
        var spec: [JSONValue] = []
        for run in runs {
            try Interop.tool("apply-lora", [run.base, run.adapter, "\(dir)/\(run.name)", "-q"])
            spec.append(Interop.object(["task": "apply", "base": .string(run.base), "adapter": .string(run.adapter),
                                        "alloy": .string("\(dir)/\(run.name)")]))
        }
        let reports = try Interop.check("check_peft.py", spec: .array(spec))
        #expect(reports.count == runs.count)
        for (run, r) in zip(runs, reports) {
            #expect(r["error"] == nil, "\(run.name): \(r.string("error"))")
            #expect(r.strings("keys_only_peft").isEmpty && r.strings("keys_only_alloy").isEmpty
                    && r.strings("dtype_mismatches").isEmpty && r.strings("shape_mismatches").isEmpty, "\(run.name)")
            #expect(r.number("tensors_changed_by_peft") > 0, "\(run.name): the adapter changed nothing")
            // (IA)³ is one float multiply and one rounding, as in PEFT: identical. LoHa/LoKr
            // products may differ in summation order: at most one ulp at the tensor's scale.
            let limit: Double = run.name.hasPrefix("ia3") ? 0 : 1
            #expect(r.number("max_diff_in_tensor_ulps") <= limit, "\(run.name): \(r.number("max_diff_in_tensor_ulps")) ulps")
        }
    }
}
