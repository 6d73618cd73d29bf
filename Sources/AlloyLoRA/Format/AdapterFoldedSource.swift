import AlloyFormat
/// A base model with an adapter of any kind (`FoldableAdapter`) folded in, tensor by
/// tensor, on demand: what PEFT's `merge_and_unload` would produce, without
/// materialising the model. `apply-lora` writes it; `model+adapter` references read it.
///
/// - Tensors the adapter changes read as the adapter's fold of the base tensor, in `Float`.
/// - Tensors the adapter saves in full (`modules_to_save` copies; `….base_layer.weight`
///   for resized embeddings) replace the base's, rounded to the base's dtype; names only
///   the adapter has are added.
/// - Every other tensor is the base's, unchanged.
///
/// `info(name)` reports the base tensor's dtype (the adapter's for added tensors) and the
/// shape the folded tensor has; the byte range is only meaningful for untouched tensors.
public final class AdapterFoldedSource: TensorSource, @unchecked Sendable {
    public let base: TensorSource
    public let adapter: any FoldableAdapter
    /// Extra multiplier on the adapter's effect (1 = PEFT's merge).
    public let multiplier: Double
    public let names: [String]
    private let replaced: [String: String]   // base name → adapter store name
    private let changed: Set<String>         // base names the fold changes

    /// Binds `adapter` to `base`, failing with a clear message when a module has no
    /// matching weight or does not fit it.
    public init(base: TensorSource, adapter: any FoldableAdapter, multiplier: Double = 1) throws {
        self.base = base
        self.adapter = adapter
        self.multiplier = multiplier
        changed = try adapter.foldedTensors(in: base, multiplier: multiplier)
        var replaced: [String: String] = [:]
        for (name, storeName) in adapter.extraTensors {
            replaced[name.replacingOccurrences(of: ".base_layer.", with: ".")] = storeName
        }
        self.replaced = replaced
        let baseNames = Set(base.names)
        names = base.names + replaced.keys.filter { !baseNames.contains($0) }.sorted()
    }

    /// Opens mergekit's `model+adapter` reference: the base model at `base` with the adapter
    /// at `adapter` (any kind `PEFTAdapterKind.open` reads) folded in.
    public static func open(base: String, adapter: String, multiplier: Double = 1) throws -> AdapterFoldedSource {
        try AdapterFoldedSource(base: TensorStore(path: base), adapter: PEFTAdapterKind.open(adapter), multiplier: multiplier)
    }

    public var location: String { "\(base.location)+\(adapter.location)" }

    /// True when `name` differs from the base model's tensor.
    public func isChanged(_ name: String) -> Bool { replaced[name] != nil || changed.contains(name) }

    public func info(_ name: String) -> TensorInfo? {
        if let storeName = replaced[name], let a = adapter.store.info(storeName) {
            let dtype = base.info(name)?.dtype ?? a.dtype
            let bytes = (a.elementCount * dtype.bitWidth + 7) / 8
            return TensorInfo(name: name, dtype: dtype, shape: a.shape, begin: 0, end: bytes)
        }
        return base.info(name)
    }

    public func tensor(_ name: String) throws -> Tensor {
        if let storeName = replaced[name] {
            var t = try adapter.store.tensor(storeName)
            if let dtype = base.info(name)?.dtype, dtype.isFloatingPoint { ElementCodec.roundTrip(&t.values, through: dtype) }
            return t
        }
        if changed.contains(name) { return try adapter.fold(name, from: base, multiplier: multiplier) }
        return try base.tensor(name)
    }

    public func release(_ name: String) {
        base.release(name)
        if changed.contains(name) { adapter.releaseFactors(of: name) }
        if let s = replaced[name] { adapter.store.release(s) }
    }
}
