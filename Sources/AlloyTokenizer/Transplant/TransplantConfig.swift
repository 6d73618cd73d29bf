import AlloyFormat
/// The output `config.json` of a transplant and the model facts read from configs.
public enum TransplantConfig {
    /// Token-id settings copied from the donor's config (mergekit's list). The first
    /// three always follow the donor (removed when the donor has none); the others
    /// are copied only when the donor sets them.
    static let followDonor = ["pad_token_id", "eos_token_id", "bos_token_id"]
    static let copyIfPresent = ["unk_token_id", "mask_token_id", "padding_side"]

    /// The model's config with the new vocabulary size and the donor's token ids.
    public static func output(model: JSONValue, donor: JSONValue, vocabularySize: Int) -> JSONValue {
        var config = model
        if config["vocab_size"] == nil, var text = config["text_config"], text["vocab_size"] != nil {
            text["vocab_size"] = .int(vocabularySize)
            config["text_config"] = text
        } else {
            config["vocab_size"] = .int(vocabularySize)
        }
        for key in followDonor {
            let value = donor[key]
            config[key] = (value?.isNull ?? true) ? nil : value
        }
        for key in copyIfPresent {
            if let value = donor[key] { config[key] = value }
        }
        return config
    }

    /// The RoPE geometry in a config: `num_attention_heads` and `rope_theta` (or
    /// `rope_parameters.rope_theta`, default 10000); nil without a head count.
    public static func ropeGeometry(_ config: JSONValue) -> RopeGeometry? {
        let source = config["num_attention_heads"] == nil ? (config["text_config"] ?? config) : config
        guard let heads = source["num_attention_heads"]?.intValue, heads > 0 else { return nil }
        let base = source["rope_theta"]?.doubleValue ?? source["rope_parameters"]?["rope_theta"]?.doubleValue ?? 10000
        return RopeGeometry(heads: heads, base: base)
    }
}
