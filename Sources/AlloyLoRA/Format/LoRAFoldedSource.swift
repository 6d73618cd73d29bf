import AlloyFormat
/// LoRA's fold (PEFT's `LoraLayer.merge`), through the one `FoldableAdapter` mechanism:
///
/// - Adapted weights read as `W + multiplier·scaling·B·A` (transposed for fan_in_fan_out
///   and embeddings), computed in `Float`; `lora_B.bias` is added to the base bias. As in
///   PEFT, an embedding's delta is rounded to the weight's dtype before it is added.
extension LoRAAdapter: FoldableAdapter {
    public var peftType: String { "LORA" }
    public var moduleCount: Int { modules.count }

    public func foldedTensors(in base: TensorSource, multiplier: Double) throws -> Set<String> {
        try bind(to: base)
        var names = Set(modules.map(\.baseWeightName))
        for m in modules where m.biasName != nil {
            guard base.contains(m.baseBiasName) else {
                throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                                 "\(location): module \"\(m.path)\" has a lora_B bias, but \(base.location) has no tensor \"\(m.baseBiasName)\"")
            }
            names.insert(m.baseBiasName)
        }
        return names
    }

    public func fold(_ name: String, from base: TensorSource, multiplier: Double) throws -> Tensor {
        if let m = module(forWeight: name) {
            var w = try base.tensor(name)
            var delta = try LoRADelta.weightDelta(m, of: self, multiplier: multiplier)
            // PEFT's Embedding.merge casts the delta to the weight's dtype before adding it (two
            // roundings); its Linear and Conv layers add the float32 delta (one rounding).
            if m.kind == .embedding, let dtype = base.info(name)?.dtype, dtype.isFloatingPoint {
                ElementCodec.roundTrip(&delta.values, through: dtype)
            }
            LoRADelta.add(delta.values, into: &w.values)
            return w
        }
        guard name.hasSuffix(".bias"), let m = module(String(name.dropLast(5))), let biasName = m.biasName else {
            return try base.tensor(name)
        }
        var b = try base.tensor(name)
        let lb = try tensor(biasName)
        let s = Float(m.scaling * multiplier)
        for i in b.values.indices { b.values[i] += s * lb.values[i] }
        return b
    }

    public func releaseFactors(of name: String) {
        if let m = module(forWeight: name) {
            store.release(m.aName)
            store.release(m.bName)
        }
    }
}
