import AlloyFormat
/// The `config.json` of a MoE output: the base model's config with the family's
/// architecture, model type and expert settings, as mergekit-moe builds it
/// (every base field kept; Transformers fills the family's other defaults).
public enum MoEOutputConfig {
    /// - Parameters:
    ///   - base: the base model's `config.json`.
    ///   - experts: number of routed experts.
    ///   - sharedIntermediateSize: width of the shared expert, if there is one.
    public static func make(family: MoEFamily, layout: ExpertLayout, base: JSONValue, experts: Int,
                            expertsPerToken: Int, expertIntermediateSize: Int, sharedIntermediateSize: Int?,
                            dtype: DType?) -> JSONValue {
        var c = base
        for key in ["_name_or_path", "transformers_version", "torch_dtype", "dtype", "auto_map"] { c[key] = nil }
        func setDefault(_ key: String, _ value: JSONValue) { if c[key] == nil { c[key] = value } }
        switch family {
        case .mixtral:
            c["architectures"] = ["MixtralForCausalLM"]
            c["model_type"] = "mixtral"
            c["num_local_experts"] = .int(experts)
            c["num_experts_per_tok"] = .int(expertsPerToken)
            c["sliding_window"] = .null
            c["use_sliding_window"] = nil
            c["max_window_layers"] = nil
            setDefault("output_router_logits", false)
            setDefault("router_aux_loss_coef", .number("0.001"))
            setDefault("router_jitter_noise", .number("0.0"))
        case .qwen2:
            c["architectures"] = ["Qwen2MoeForCausalLM"]
            c["model_type"] = "qwen2_moe"
            c["num_experts"] = .int(experts)
            c["num_experts_per_tok"] = .int(expertsPerToken)
            c["decoder_sparse_step"] = 1
            c["norm_topk_prob"] = true
            c["sliding_window"] = .null
            c["use_sliding_window"] = false
            c["moe_intermediate_size"] = .int(expertIntermediateSize)
            c["shared_expert_intermediate_size"] = .int(sharedIntermediateSize ?? expertIntermediateSize)
            c["qkv_bias"] = true
            setDefault("output_router_logits", false)
            setDefault("router_aux_loss_coef", .number("0.001"))
            setDefault("mlp_only_layers", [])
        case .qwen3:
            c["architectures"] = ["Qwen3MoeForCausalLM"]
            c["model_type"] = "qwen3_moe"
            // Transformers v5 spells the count num_local_experts; v4 (one tensor per expert) num_experts.
            c[layout == .fused ? "num_local_experts" : "num_experts"] = .int(experts)
            c["num_experts_per_tok"] = .int(expertsPerToken)
            c["decoder_sparse_step"] = 1
            c["norm_topk_prob"] = true
            c["moe_intermediate_size"] = .int(expertIntermediateSize)
            setDefault("output_router_logits", false)
            setDefault("router_aux_loss_coef", .number("0.001"))
            setDefault("mlp_only_layers", [])
        case .deepseek:
            c["architectures"] = ["DeepseekForCausalLM"]
            c["model_type"] = "deepseek"
            c["n_routed_experts"] = .int(experts)
            c["n_shared_experts"] = sharedIntermediateSize == nil ? .null : 1
            c["num_experts_per_tok"] = .int(expertsPerToken)
            c["first_k_dense_replace"] = 0
            c["moe_layer_freq"] = 1
            c["scoring_func"] = "softmax"
            c["norm_topk_prob"] = true
            c["moe_intermediate_size"] = .int(expertIntermediateSize)
            let repo = "deepseek-ai/deepseek-moe-16b-base"
            c["auto_map"] = .object([
                ("AutoConfig", .string("\(repo)--configuration_deepseek.DeepseekConfig")),
                ("AutoModel", .string("\(repo)--modeling_deepseek.DeepseekModel")),
                ("AutoModelForCausalLM", .string("\(repo)--modeling_deepseek.DeepseekForCausalLM")),
            ])
        }
        if let dtype {
            // `dtype` for Transformers v5, `torch_dtype` for v4.
            c["dtype"] = .string(dtype.torchName)
            c["torch_dtype"] = .string(dtype.torchName)
        }
        return c
    }
}
