import AlloyLoRA
extension MergeHooks {
    /// Every feature Alloy has: `MODEL+ADAPTER` references fold the adapter in on
    /// demand (the same fold as `apply-lora`), and `tokenizer:`, `tokenizer_source:`
    /// and `chat_template:` build a merged vocabulary.
    public static let standard = MergeHooks(
        adapterSource: { base, adapterPath in
            try LoRAFoldedSource(base: base, adapter: LoRAAdapter(path: adapterPath))
        },
        vocabulary: TokenizerVocabularyBuilder()
    )
}
