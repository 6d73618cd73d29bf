import AlloyFormat
import AlloyMath
/// The weight change a LoRA module makes, `scaling · B·A`, in the layouts PEFT uses.
public enum LoRADelta {
    /// `scale · B·A` as a row-major `out × in` matrix (`in` flattened for convs): the
    /// "B·A orientation" the SVD merges work in.
    public static func product(_ m: LoRAModule, a: Tensor, b: Tensor, scale: Float) -> [Float] {
        Linalg.matmul(b.values, rows: m.outFeatures, cols: m.rank, a.values, rows: m.rank, cols: m.inFeatures, alpha: scale)
    }

    /// The shape the delta (and the base weight) has: `[out, in]`; `[in, out]` with
    /// fan_in_fan_out; `[vocab, dim]` for embeddings; `[C_out, C_in, k…]` for convs.
    public static func weightShape(of m: LoRAModule, fanInFanOut: Bool, baseShape: [Int]? = nil) -> [Int] {
        switch m.kind {
        case .linear: return fanInFanOut ? [m.inFeatures, m.outFeatures] : [m.outFeatures, m.inFeatures]
        case .embedding: return [m.inFeatures, m.outFeatures]
        case .conv: return [m.outFeatures] + Array(m.aShape.dropFirst())
        }
    }

    /// True when the delta is `(B·A)ᵀ` in the base weight's layout.
    public static func isTransposed(_ m: LoRAModule, fanInFanOut: Bool) -> Bool {
        m.kind == .embedding || (m.kind == .linear && fanInFanOut)
    }

    /// `scaling · B·A` in the base weight's layout and shape (PEFT's `get_delta_weight`).
    public static func weightDelta(_ m: LoRAModule, of adapter: LoRAAdapter, multiplier: Double = 1) throws -> Tensor {
        let a = try adapter.tensor(m.aName), b = try adapter.tensor(m.bName)
        let scale = Float(m.scaling * multiplier)
        let fifo = adapter.config.fanInFanOut
        let shape = weightShape(of: m, fanInFanOut: fifo)
        if isTransposed(m, fanInFanOut: fifo) {
            // (B·A)ᵀ = Aᵀ·Bᵀ: in × out.
            let v = Linalg.matmul(a.values, rows: m.rank, cols: m.inFeatures, transposeA: true,
                                  b.values, rows: m.outFeatures, cols: m.rank, transposeB: true, alpha: scale)
            return Tensor(shape: shape, values: v)
        }
        return Tensor(shape: shape, values: product(m, a: a, b: b, scale: scale))
    }

    /// `W + delta` in place.
    public static func add(_ delta: [Float], into w: inout [Float]) {
        precondition(delta.count == w.count)
        w.withUnsafeMutableBufferPointer { o in delta.withUnsafeBufferPointer { addKernel(o, $0) } }
    }

    @inline(never)
    static func addKernel(_ o: UnsafeMutableBufferPointer<Float>, _ d: UnsafeBufferPointer<Float>) {
        for i in 0..<o.count { o[i] += d[i] }
    }
}
