// The umbrella module: `import AlloyCore` brings in every library layer, so the
// `AlloyCore` product keeps working for code that does not care about the split.
// The layers and what each owns are described in ARCHITECTURE.md.
@_exported import AlloyAnalysis
@_exported import AlloyFormat
@_exported import AlloyLoRA
@_exported import AlloyMath
@_exported import AlloyMerge
@_exported import AlloyModel
@_exported import AlloyMoE
@_exported import AlloyTokenizer
