import AlloyFormat
/// The special-token roles a tokenizer declares (`tokenizer_config.json`, else `special_tokens_map.json`).
public struct SpecialTokens: Sendable, Equatable {
    public var bos: String?
    public var eos: String?
    public var unk: String?
    public var pad: String?
    /// `additional_special_tokens` (or `extra_special_tokens`), in file order.
    public var additional: [String]

    public init(bos: String? = nil, eos: String? = nil, unk: String? = nil, pad: String? = nil, additional: [String] = []) {
        self.bos = bos
        self.eos = eos
        self.unk = unk
        self.pad = pad
        self.additional = additional
    }

    /// Reads the roles from the config, falling back to the special-tokens map per role.
    init(config: JSONValue?, map: JSONValue?) {
        func role(_ key: String) -> String? { Self.tokenString(config?[key]) ?? Self.tokenString(map?[key]) }
        bos = role("bos_token")
        eos = role("eos_token")
        unk = role("unk_token")
        pad = role("pad_token")
        let list = config?["additional_special_tokens"]?.arrayValue ?? config?["extra_special_tokens"]?.arrayValue
            ?? map?["additional_special_tokens"]?.arrayValue ?? []
        additional = list.compactMap { Self.tokenString($0) }
    }

    /// A token given as a string or as `{"content": ...}`.
    static func tokenString(_ v: JSONValue?) -> String? {
        if let s = v?.stringValue { return s }
        return v?["content"]?.stringValue
    }

    /// Role name → token, for the roles that are set (bos, eos, unk, pad).
    public var roles: [(role: String, token: String)] {
        [("bos", bos), ("eos", eos), ("unk", unk), ("pad", pad)].compactMap { r, t in t.map { (r, $0) } }
    }
}
