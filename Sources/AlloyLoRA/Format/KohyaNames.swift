import AlloyFormat
/// Reading kohya / A1111-style LoRA files: `<prefix>_<module path with "_" for ".">.lora_down.weight`
/// (PEFT's `lora_A`), `.lora_up.weight` (`lora_B`) and a scalar `.alpha` (missing: alpha = rank).
extension LoRAAdapter {
    /// Prefixes kohya puts before the module path, longest first.
    static let kohyaPrefixes = ["lora_transformer_", "lora_unet_", "lora_te1_", "lora_te2_", "lora_te3_", "lora_te_", "lora_"]

    static func kohyaModules(_ store: TensorStore, location: String) throws -> ([LoRAModule], [(String, String)]) {
        var modules: [LoRAModule] = []
        var extras: [(String, String)] = []
        let names = Set(store.names)
        for name in store.names {
            if name.hasSuffix(".lora_down.weight") {
                let stem = String(name.dropLast(".lora_down.weight".count))
                let up = stem + ".lora_up.weight"
                guard names.contains(up) else {
                    throw AlloyError(.invalidData, code: "incomplete_lora_module", "\(location): \"\(name)\" has no matching \"\(up)\"")
                }
                let aShape = store.info(name)!.shape, bShape = store.info(up)!.shape
                guard aShape.count >= 2, bShape.count >= 2, bShape[1] == aShape[0] else {
                    throw AlloyError(.invalidData, code: "lora_shape_mismatch",
                                     "\(location): \"\(stem)\": lora_up \(bShape) and lora_down \(aShape) do not multiply")
                }
                var alpha = Double(aShape[0])
                if names.contains(stem + ".alpha") {
                    let t = try store.tensor(stem + ".alpha")
                    guard t.count == 1 else {
                        throw AlloyError(.invalidData, code: "invalid_alpha", "\(location): \"\(stem).alpha\" is not a scalar")
                    }
                    alpha = Double(t.values[0])
                }
                modules.append(LoRAModule(path: stem, kind: aShape.count > 2 ? .conv : .linear, aName: name, bName: up,
                                          biasName: nil, aShape: aShape, bShape: bShape, configRank: aShape[0], alpha: alpha,
                                          scaling: alpha / Double(aShape[0])))
            } else if name.hasSuffix(".lora_up.weight") || name.hasSuffix(".alpha") {
                continue
            } else if name.contains(".hada_") || name.contains(".lokr_") {
                throw AlloyError(.unsupported, code: "unsupported_adapter",
                                 "\(location): \"\(name)\" is a LyCORIS (LoHa/LoKr) tensor; only plain LoRA is supported")
            } else {
                extras.append((name, name))
            }
        }
        return (modules, extras)
    }

    /// Maps kohya stems onto module paths of a base model (`model_layers_0_self_attn_q_proj`
    /// → `model.layers.0.self_attn.q_proj`), the way PEFT's conversion script does.
    func resolveKohyaNames(_ baseNames: [String]) throws {
        var byUnderscored: [String: String] = [:]
        for n in baseNames where n.hasSuffix(".weight") {
            let path = String(n.dropLast(7))
            byUnderscored[path.replacingOccurrences(of: ".", with: "_")] = path
        }
        var resolved: [LoRAModule] = []
        for var m in modules {
            var candidates = [m.path]
            for p in LoRAAdapter.kohyaPrefixes where m.path.hasPrefix(p) { candidates.append(String(m.path.dropFirst(p.count))) }
            guard let path = candidates.lazy.compactMap({ byUnderscored[$0] }).first else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(location): kohya module \"\(m.path)\" matches no weight of the base model",
                                 hint: "is this adapter for this base model?")
            }
            m.path = path
            resolved.append(m)
        }
        setResolvedModules(resolved.sorted { $0.path < $1.path })
    }
}
