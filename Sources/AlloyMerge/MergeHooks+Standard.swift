import AlloyLoRA
extension MergeHooks {
    /// Every feature Alloy has: `MODEL+ADAPTER` references fold the adapter (any kind
    /// `PEFTAdapterKind` reads: LoRA, (IA)³, LoHa, LoKr) in on demand (the same fold as
    /// `apply-lora`), and `tokenizer:`, `tokenizer_source:` and `chat_template:` build a
    /// merged vocabulary.
    public static let standard = MergeHooks(
        adapterSource: { base, adapterPath in
            try AdapterFoldedSource(base: base, adapter: PEFTAdapterKind.open(adapterPath))
        },
        vocabulary: TokenizerVocabularyBuilder()
    )
}
