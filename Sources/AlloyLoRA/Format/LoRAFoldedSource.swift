import AlloyFormat
/// A base model with a LoRA adapter folded in, tensor by tensor, on demand: what
/// `merge_and_unload` would produce, without materialising the model.
///
/// - Adapted weights read as `W + scaling·B·A` (transposed for fan_in_fan_out and
///   embeddings), computed in `Float`; `lora_B.bias` is added to the base bias. As in
///   PEFT, an embedding's delta is rounded to the weight's dtype before it is added.
/// - Tensors the adapter saves in full (`modules_to_save` copies; `….base_layer.weight`
///   for resized embeddings) replace the base's; names only the adapter has are added.
/// - Every other tensor is the base's, unchanged.
///
/// `info(name)` reports the base tensor's dtype (the adapter's for added tensors) and the
/// shape the folded tensor has; the byte range is only meaningful for untouched tensors.
public final class LoRAFoldedSource: TensorSource, @unchecked Sendable {
    public let base: TensorSource
    public let adapter: LoRAAdapter
    /// Extra multiplier on every module's scaling (1 = PEFT's merge).
    public let multiplier: Double
    public let names: [String]
    private let replaced: [String: String]   // base name → adapter store name
    private let biasOf: [String: LoRAModule]  // base bias name → module

    /// Binds `adapter` to `base`, failing with a clear message when a module has no
    /// matching weight or its factors do not fit it.
    public init(base: TensorSource, adapter: LoRAAdapter, multiplier: Double = 1) throws {
        try adapter.bind(to: base)
        self.base = base
        self.adapter = adapter
        self.multiplier = multiplier
        var replaced: [String: String] = [:]
        for (name, storeName) in adapter.extraTensors {
            let target = name.replacingOccurrences(of: ".base_layer.", with: ".")
            replaced[target] = storeName
        }
        var biasOf: [String: LoRAModule] = [:]
        for m in adapter.modules where m.biasName != nil {
            guard base.contains(m.baseBiasName) else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(adapter.location): module \"\(m.path)\" has a lora_B bias, but \(base.location) has no tensor \"\(m.baseBiasName)\"")
            }
            biasOf[m.baseBiasName] = m
        }
        self.replaced = replaced
        self.biasOf = biasOf
        let baseNames = Set(base.names)
        names = base.names + replaced.keys.filter { !baseNames.contains($0) }.sorted()
    }

    /// Opens mergekit's `model+adapter` reference: the base model at `base` with the adapter
    /// (PEFT directory or kohya file) at `adapter` folded in.
    public static func open(base: String, adapter: String, multiplier: Double = 1) throws -> LoRAFoldedSource {
        try LoRAFoldedSource(base: TensorStore(path: base), adapter: LoRAAdapter(path: adapter), multiplier: multiplier)
    }

    public var location: String { "\(base.location)+\(adapter.location)" }

    /// True when `name` differs from the base model's tensor.
    public func isChanged(_ name: String) -> Bool {
        replaced[name] != nil || biasOf[name] != nil || adapter.module(forWeight: name) != nil
    }

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
        if let m = adapter.module(forWeight: name) {
            var w = try base.tensor(name)
            var delta = try LoRADelta.weightDelta(m, of: adapter, multiplier: multiplier)
            // PEFT's Embedding.merge casts the delta to the weight's dtype before adding it (two
            // roundings); its Linear and Conv layers add the float32 delta (one rounding).
            if m.kind == .embedding, let dtype = base.info(name)?.dtype, dtype.isFloatingPoint {
                ElementCodec.roundTrip(&delta.values, through: dtype)
            }
            LoRADelta.add(delta.values, into: &w.values)
            return w
        }
        if let m = biasOf[name], let biasName = m.biasName {
            var b = try base.tensor(name)
            let lb = try adapter.tensor(biasName)
            let s = Float(m.scaling * multiplier)
            for i in b.values.indices { b.values[i] += s * lb.values[i] }
            return b
        }
        return try base.tensor(name)
    }

    public func release(_ name: String) {
        base.release(name)
        if let m = adapter.module(forWeight: name) {
            adapter.store.release(m.aName)
            adapter.store.release(m.bName)
        }
        if let s = replaced[name] { adapter.store.release(s) }
    }
}
