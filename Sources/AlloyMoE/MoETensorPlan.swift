import AlloyFormat
/// Where one output tensor's data comes from.
public enum MoETensorRecipe: Sendable {
    /// Source tensors concatenated along the first axis (a copy of one base tensor,
    /// or several experts' matrices stacked into a fused tensor).
    case pieces([MoETensorPiece])
    /// Routed-expert router rows of a layer.
    case router(layer: Int)
    /// A shared expert's gate rows (Qwen MoE's `shared_expert_gate`).
    case sharedGate(layer: Int)
    /// Zeros (attention biases the output family needs but the base lacks).
    case zeros
}

/// One source tensor inside an output tensor, with the expert's noise and scaling.
public struct MoETensorPiece: Sendable {
    /// The input model that holds it.
    public let model: MoEInputModel
    public let name: String
    /// Gaussian noise standard deviation to add (the expert's `noise_scale`).
    public let noiseScale: Double?
    /// Factor to multiply by after the noise (the expert's `residual_scale`, on `down_proj`).
    public let scale: Double?
    /// Names the noise stream, so the same expert tensor gets the same noise in every layout.
    public let noiseStream: String

    /// True when the bytes can be copied without decoding.
    public var isPlainCopy: Bool { (noiseScale ?? 0) == 0 && scale == nil }
}

/// Every output tensor in write order, with its spec and recipe.
public struct MoETensorPlan: Sendable {
    public var entries: [(spec: TensorSpec, recipe: MoETensorRecipe)] = []

    /// Plans the tensors of `family` in `layout`: per layer the base's non-MLP
    /// tensors, the experts, the router(s); embeddings first, final norm and LM head last.
    public init(config: MoEConfig, inputs: MoEInputs, family: MoEFamily, layout: ExpertLayout, dtype: DType) {
        let base = inputs.base
        let c = base.config
        let h = c.hiddenSize, inter = inputs.expertIntermediateSize
        let layers = c.numLayers
        func add(_ name: String, _ shape: [Int], _ recipe: MoETensorRecipe) {
            entries.append((TensorSpec(name: name, dtype: dtype, shape: shape), recipe))
        }
        func copy(_ name: String) {
            guard let info = base.store.info(name) else { return }
            add(name, info.shape, .pieces([MoETensorPiece(model: base, name: name, noiseScale: nil, scale: nil, noiseStream: "")]))
        }
        func piece(_ expert: MoEExpert, _ model: MoEInputModel, layer: Int, _ proj: String, stream: String) -> MoETensorPiece {
            let name = MoEInputModel.mlpName(layer: layer, proj)
            return MoETensorPiece(model: model, name: name, noiseScale: expert.noiseScale,
                                  scale: proj == "down_proj" ? expert.residualScale : nil, noiseStream: "\(stream)/\(name)")
        }
        let layerPrefix = "model.layers."
        let baseNames = base.store.names.filter { !$0.contains(".mlp.") && !$0.hasSuffix("rotary_emb.inv_freq") }
        var byLayer = [[String]](repeating: [], count: layers)
        var before: [String] = [], after: [String] = []
        for name in baseNames {
            if name.hasPrefix(layerPrefix), let l = Int(name.dropFirst(layerPrefix.count).prefix { $0 != "." }) {
                if l < layers { byLayer[l].append(name) }
            } else if name.contains("embed_tokens") {
                before.append(name)
            } else {
                after.append(name)
            }
        }
        before.forEach(copy)
        let routedName: (Int) -> String = { l in
            family == .mixtral && layout == .perExpert
                ? "model.layers.\(l).block_sparse_moe.gate.weight" : "model.layers.\(l).mlp.gate.weight"
        }
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            byLayer[l].sorted().forEach(copy)
            if family == .qwen2 {
                for (proj, width) in [("q_proj", c.numHeads * c.headDim), ("k_proj", c.numKeyValueHeads * c.headDim),
                                      ("v_proj", c.numKeyValueHeads * c.headDim)]
                where !base.store.contains(p + "self_attn.\(proj).bias") {
                    add(p + "self_attn.\(proj).bias", [width], .zeros)
                }
            }
            switch layout {
            case .fused:
                var gateUp: [MoETensorPiece] = [], down: [MoETensorPiece] = []
                for (e, expert) in config.experts.enumerated() {
                    let m = inputs.experts[e]
                    gateUp += [piece(expert, m, layer: l, "gate_proj", stream: "expert\(e)"),
                               piece(expert, m, layer: l, "up_proj", stream: "expert\(e)")]
                    down.append(piece(expert, m, layer: l, "down_proj", stream: "expert\(e)"))
                }
                let n = config.experts.count
                add(p + "mlp.experts.gate_up_proj", [n, 2 * inter, h], .pieces(gateUp))
                add(p + "mlp.experts.down_proj", [n, h, inter], .pieces(down))
            case .perExpert:
                for (e, expert) in config.experts.enumerated() {
                    let m = inputs.experts[e]
                    for (proj, shape) in [("gate_proj", [inter, h]), ("up_proj", [inter, h]), ("down_proj", [h, inter])] {
                        let out = family == .mixtral
                            ? p + "block_sparse_moe.experts.\(e).\(["gate_proj": "w1", "down_proj": "w2", "up_proj": "w3"][proj]!).weight"
                            : p + "mlp.experts.\(e).\(proj).weight"
                        add(out, shape, .pieces([piece(expert, m, layer: l, proj, stream: "expert\(e)")]))
                    }
                }
            }
            for (s, shared) in config.sharedExperts.enumerated() {
                let m = inputs.sharedExperts[s]
                let sharedInter = m.config.intermediateSize
                let module = family == .qwen2 ? "mlp.shared_expert." : "mlp.shared_experts."
                for (proj, shape) in [("gate_proj", [sharedInter, h]), ("up_proj", [sharedInter, h]), ("down_proj", [h, sharedInter])] {
                    add(p + module + "\(proj).weight", shape, .pieces([piece(shared, m, layer: l, proj, stream: "shared\(s)")]))
                }
            }
            add(routedName(l), [config.experts.count, h], .router(layer: l))
            if family == .qwen2 {
                add(p + "mlp.shared_expert_gate.weight", [config.sharedExperts.count, h], .sharedGate(layer: l))
            }
        }
        after.sorted().forEach(copy)
    }
}
