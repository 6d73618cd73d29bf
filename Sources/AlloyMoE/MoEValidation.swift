import AlloyFormat
extension MoEConfig {
    /// mergekit-moe's sanity checks on the configuration alone (`is_bad_config`),
    /// one clear error each. `allowIdenticalExperts` is the
    /// `--i-understand-this-is-not-useful-without-training` flag.
    ///
    /// Unlike mergekit-moe, `uniform_random` (like `random`) needs no prompts.
    public func validate(allowIdenticalExperts: Bool, file: String) throws {
        guard expertsPerToken >= 1 else {
            throw AlloyError.config("\(file): experts_per_token", "must be at least 1 (got \(expertsPerToken))")
        }
        guard experts.count >= expertsPerToken else {
            throw AlloyError.config("\(file): experts", "has \(experts.count) experts, fewer than experts_per_token (\(expertsPerToken))")
        }
        let withPrompts = sharedExperts.filter { !$0.positivePrompts.isEmpty }.count
        if withPrompts != 0 && withPrompts != sharedExperts.count {
            throw AlloyError.config("\(file): shared_experts", "give prompts for every shared expert or for none")
        }
        if gateMode.needsPrompts {
            if let i = experts.firstIndex(where: { $0.positivePrompts.isEmpty }) {
                throw AlloyError.config("\(file): experts[\(i)].positive_prompts", "is required with gate_mode \(gateMode.rawValue)",
                                        hint: "give example prompts for each expert, or use gate_mode random")
            }
            let first = experts[0]
            if experts.count > 1 && experts.dropFirst().allSatisfy({
                $0.positivePrompts == first.positivePrompts && $0.negativePrompts == first.negativePrompts
            }) {
                throw AlloyError.config("\(file): experts", "every expert has the same prompts, so the router cannot tell them apart",
                                        hint: "give each expert prompts typical of what it should handle")
            }
        }
        if !allowIdenticalExperts && experts.count > 1
            && experts.dropFirst().allSatisfy({ $0.sourceModel == experts[0].sourceModel }) {
            throw AlloyError.config("\(file): experts", "every expert is the same model, which gives a bigger model with the same output",
                                    hint: "to train it afterwards anyway, pass --i-understand-this-is-not-useful-without-training")
        }
        for (list, key) in [(experts, "experts"), (sharedExperts, "shared_experts")] {
            for (i, e) in list.enumerated() {
                if let s = e.noiseScale, !(s >= 0 && s.isFinite) {
                    throw AlloyError.config("\(file): \(key)[\(i)].noise_scale", "must be a non-negative number")
                }
                if let s = e.residualScale, !s.isFinite {
                    throw AlloyError.config("\(file): \(key)[\(i)].residual_scale", "must be a finite number")
                }
            }
        }
    }
}
