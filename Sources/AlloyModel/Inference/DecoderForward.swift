import AlloyFormat
import Foundation

/// A CPU forward pass through a Llama-family decoder (Llama, Mistral, Qwen2, Qwen3):
/// token embeddings, then per layer RMSNorm → grouped-query attention with rotary
/// embeddings → residual → RMSNorm → SwiGLU MLP → residual, and a final RMSNorm.
///
/// Computes in Float32 with the projections through BLAS. Weights are read one
/// tensor at a time from the store and released after use, so memory holds the
/// activations of the batch plus one weight matrix. Attention and MLP biases and
/// Qwen3's per-head q/k norms are used when the checkpoint has them.
///
/// Positions follow Transformers' default when no position ids are given: token
/// `t` of a (left-padded) sequence is at position `t`; padded positions are masked
/// as keys, and a query that can see no key gets a zero attention output.
public final class DecoderForward {
    public let config: DecoderConfig
    public let weights: TensorStore
    /// When set, activations are rounded to this dtype after every operation, where
    /// Transformers running the model in that dtype rounds them (projections, RMSNorm before
    /// and after its weight, each RoPE product and sum, attention scores and probabilities,
    /// SiLU and the gate product, residual sums), to follow a reference computed in that
    /// dtype (e.g. bf16). Nil: pure Float32.
    public var activationDType: DType?

    public init(config: DecoderConfig, weights: TensorStore) throws {
        try config.checkRunnable(source: weights.location)
        self.config = config
        self.weights = weights
    }

    /// Opens a model directory.
    public convenience init(modelDirectory: String) throws {
        try self.init(config: try DecoderConfig(modelDirectory: modelDirectory),
                      weights: try TensorStore(path: modelDirectory))
    }

    /// Runs `sequences` and reports the hidden states the way Transformers'
    /// `output_hidden_states` tuple lists them: index `l < numLayers` is the residual
    /// stream entering layer `l` (0 = embeddings), index `numLayers` the final
    /// normalised output. Only indices `0...upTo` are computed and reported.
    public func run(_ sequences: [PaddedSequence], upTo: Int? = nil,
                    observe: (Int, HiddenStates) throws -> Void) throws {
        let last = min(upTo ?? config.numLayers, config.numLayers)
        let h = config.hiddenSize
        var starts: [Int] = [], lengths: [Int] = []
        var total = 0
        for s in sequences { starts.append(total); lengths.append(s.ids.count); total += s.ids.count }
        var x = try embed(sequences, rows: total)
        func report(_ index: Int, _ values: [Float]) throws {
            try observe(index, HiddenStates(hiddenSize: h, values: values, starts: starts, lengths: lengths))
        }
        try report(0, x)
        guard last > 0 else { return }
        let rope = RotaryTable(config.rope, length: lengths.max() ?? 0, rounding: activationDType)
        for layer in 0..<min(last, config.numLayers) {
            try attentionBlock(layer, &x, sequences: sequences, starts: starts, rope: rope)
            try mlpBlock(layer, &x, rows: total)
            if layer + 1 < config.numLayers { try report(layer + 1, x) }
        }
        if last == config.numLayers {
            var out = [Float](repeating: 0, count: x.count)
            let w = try load("model.norm.weight", shape: [h])
            normalize(x, into: &out, rows: total, weight: w)
            try report(config.numLayers, out)
        }
    }

    // MARK: - Blocks

    func embed(_ sequences: [PaddedSequence], rows: Int) throws -> [Float] {
        let name = "model.embed_tokens.weight"
        let h = config.hiddenSize
        guard let info = weights.info(name) else { throw missing(name) }
        guard info.shape.count == 2, info.shape[1] == h, info.dtype.isDecodable else {
            throw AlloyError(.mismatch, code: "shape_mismatch",
                             "\(weights.location): \(name) has shape \(info.shape), expected [vocab, \(h)]")
        }
        let raw = try weights.bytes(name)
        let rowBytes = h * info.dtype.bitWidth / 8
        var x = [Float](repeating: 0, count: rows * h)
        var row = 0
        try x.withUnsafeMutableBufferPointer { out in
            for s in sequences {
                for id in s.ids {
                    guard id >= 0 && id < info.shape[0] else {
                        throw AlloyError(.mismatch, code: "token_out_of_range",
                                         "\(weights.location): token id \(id) is outside the embedding's \(info.shape[0]) rows")
                    }
                    let src = UnsafeRawBufferPointer(rebasing: raw[(id * rowBytes)..<((id + 1) * rowBytes)])
                    ElementCodec.decode(src, dtype: info.dtype,
                                        into: UnsafeMutableBufferPointer(rebasing: out[(row * h)..<((row + 1) * h)]))
                    row += 1
                }
            }
        }
        round(&x)
        return x
    }

    func attentionBlock(_ layer: Int, _ x: inout [Float], sequences: [PaddedSequence], starts: [Int],
                        rope: RotaryTable) throws {
        let c = config
        let h = c.hiddenSize, hd = c.headDim
        let qWidth = c.numHeads * hd, kvWidth = c.numKeyValueHeads * hd
        let rows = x.count / h
        let p = "model.layers.\(layer)."
        var normed = [Float](repeating: 0, count: x.count)
        normalize(x, into: &normed, rows: rows, weight: try load(p + "input_layernorm.weight", shape: [h]))
        var q = try project(normed, rows: rows, p + "self_attn.q_proj", out: qWidth, inFeatures: h)
        var k = try project(normed, rows: rows, p + "self_attn.k_proj", out: kvWidth, inFeatures: h)
        let v = try project(normed, rows: rows, p + "self_attn.v_proj", out: kvWidth, inFeatures: h)
        normed = []
        if let qn = try loadOptional(p + "self_attn.q_norm.weight", shape: [hd]) { headNorm(&q, weight: qn) }
        if let kn = try loadOptional(p + "self_attn.k_norm.weight", shape: [hd]) { headNorm(&k, weight: kn) }
        rope.apply(&q, heads: c.numHeads, headDim: hd, sequences: sequences, starts: starts)
        rope.apply(&k, heads: c.numKeyValueHeads, headDim: hd, sequences: sequences, starts: starts)
        round(&q)
        round(&k)
        var attended = [Float](repeating: 0, count: rows * qWidth)
        attend(q: q, k: k, v: v, into: &attended, sequences: sequences, starts: starts)
        round(&attended)
        var o = try project(attended, rows: rows, p + "self_attn.o_proj", out: h, inFeatures: qWidth)
        residualAdd(&x, &o)
    }

    func mlpBlock(_ layer: Int, _ x: inout [Float], rows: Int) throws {
        let c = config
        let h = c.hiddenSize
        let p = "model.layers.\(layer)."
        var normed = [Float](repeating: 0, count: x.count)
        normalize(x, into: &normed, rows: rows, weight: try load(p + "post_attention_layernorm.weight", shape: [h]))
        var gate = try project(normed, rows: rows, p + "mlp.gate_proj", out: c.intermediateSize, inFeatures: h)
        let up = try project(normed, rows: rows, p + "mlp.up_proj", out: c.intermediateSize, inFeatures: h)
        normed = []
        if activationDType == nil {
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in InferenceKernels.siluMultiply(g.baseAddress!, u.baseAddress!, count: g.count) }
            }
        } else {
            // silu(gate) and its product with up are two operations, each rounded.
            gate.withUnsafeMutableBufferPointer { InferenceKernels.silu($0.baseAddress!, count: $0.count) }
            round(&gate)
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in InferenceKernels.multiply(g.baseAddress!, u.baseAddress!, count: g.count) }
            }
        }
        round(&gate)
        var down = try project(gate, rows: rows, p + "mlp.down_proj", out: h, inFeatures: c.intermediateSize)
        residualAdd(&x, &down)
    }

    /// Scaled dot-product attention per sequence and head, causal, padding keys
    /// masked, keys beyond the sliding window masked.
    func attend(q: [Float], k: [Float], v: [Float], into out: inout [Float], sequences: [PaddedSequence], starts: [Int]) {
        let c = config
        let hd = c.headDim
        let qWidth = c.numHeads * hd, kvWidth = c.numKeyValueHeads * hd
        let group = c.numHeads / c.numKeyValueHeads
        let scale = 1 / Float(hd).squareRoot()
        let rounding = InferenceKernels.scalarRounding(activationDType)
        let longest = sequences.map(\.ids.count).max() ?? 0
        var scores = [Float](repeating: 0, count: longest * longest)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        scores.withUnsafeMutableBufferPointer { sp in
                            for (si, seq) in sequences.enumerated() {
                                let t = seq.ids.count, start = starts[si]
                                for head in 0..<c.numHeads {
                                    let kvHead = head / group
                                    let qh = qp.baseAddress! + start * qWidth + head * hd
                                    let kh = kp.baseAddress! + start * kvWidth + kvHead * hd
                                    let vh = vp.baseAddress! + start * kvWidth + kvHead * hd
                                    InferenceKernels.gemm(qh, lda: qWidth, kh, ldb: kvWidth, transposeB: true,
                                                          sp.baseAddress!, ldc: t, m: t, n: t, k: hd)
                                    for i in 0..<t {
                                        var lo = seq.padding
                                        if let w = c.slidingWindow, w > 0 { lo = max(lo, i - w + 1) }
                                        let hi = i < seq.padding ? lo : i + 1
                                        let row = sp.baseAddress! + i * t
                                        if let rounding {
                                            // Scores, scaled scores and probabilities are each rounded
                                            // (the softmax itself runs in Float32).
                                            InferenceKernels.round(row, count: t) { rounding(rounding($0) * scale) }
                                            InferenceKernels.maskedSoftmax(row, count: t, lo: lo, hi: hi, scale: 1)
                                            InferenceKernels.round(row, count: t, rounding)
                                        } else {
                                            InferenceKernels.maskedSoftmax(row, count: t, lo: lo, hi: hi, scale: scale)
                                        }
                                    }
                                    InferenceKernels.gemm(sp.baseAddress!, lda: t, vh, ldb: kvWidth, transposeB: false,
                                                          op.baseAddress! + start * qWidth + head * hd, ldc: qWidth,
                                                          m: t, n: hd, k: t)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Pieces

    /// `x · Wᵀ (+ b)` for the Linear module `module` (weight `module.weight`, optional `module.bias`).
    func project(_ x: [Float], rows: Int, _ module: String, out: Int, inFeatures: Int) throws -> [Float] {
        let w = try load(module + ".weight", shape: [out, inFeatures])
        var y = [Float](repeating: 0, count: rows * out)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    InferenceKernels.linear(xp.baseAddress!, rows: rows, inFeatures: inFeatures, weight: wp.baseAddress!,
                                            outFeatures: out, into: yp.baseAddress!)
                }
            }
        }
        if let b = try loadOptional(module + ".bias", shape: [out]) {
            y.withUnsafeMutableBufferPointer { yp in
                b.withUnsafeBufferPointer { InferenceKernels.addBias(yp.baseAddress!, rows: rows, width: out, bias: $0.baseAddress!) }
            }
        }
        round(&y)
        return y
    }

    func normalize(_ x: [Float], into y: inout [Float], rows: Int, weight: [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                InferenceKernels.rmsNormalize(xp.baseAddress!, yp.baseAddress!, rows: rows, width: config.hiddenSize,
                                              eps: config.rmsNormEps)
            }
        }
        // Transformers rounds the normalised values to the activation dtype, then their product with the weight.
        round(&y)
        y.withUnsafeMutableBufferPointer { yp in
            weight.withUnsafeBufferPointer {
                InferenceKernels.scaleColumns(yp.baseAddress!, rows: rows, width: config.hiddenSize, weight: $0.baseAddress!)
            }
        }
        round(&y)
    }

    /// RMSNorm over each head vector (Qwen3's q_norm / k_norm).
    func headNorm(_ x: inout [Float], weight: [Float]) {
        let hd = config.headDim
        x.withUnsafeMutableBufferPointer { xp in
            InferenceKernels.rmsNormalize(xp.baseAddress!, xp.baseAddress!, rows: xp.count / hd, width: hd, eps: config.rmsNormEps)
        }
        round(&x)
        x.withUnsafeMutableBufferPointer { xp in
            weight.withUnsafeBufferPointer {
                InferenceKernels.scaleColumns(xp.baseAddress!, rows: xp.count / hd, width: hd, weight: $0.baseAddress!)
            }
        }
        round(&x)
    }

    func residualAdd(_ x: inout [Float], _ delta: inout [Float]) {
        x.withUnsafeMutableBufferPointer { xp in
            delta.withUnsafeBufferPointer { InferenceKernels.add(xp.baseAddress!, $0.baseAddress!, count: xp.count) }
        }
        round(&x)
    }

    func round(_ values: inout [Float]) { InferenceKernels.round(&values, to: activationDType) }

    func load(_ name: String, shape: [Int]) throws -> [Float] {
        guard let t = try loadOptional(name, shape: shape) else { throw missing(name) }
        return t
    }

    func loadOptional(_ name: String, shape: [Int]) throws -> [Float]? {
        guard let info = weights.info(name) else { return nil }
        guard info.shape == shape else {
            throw AlloyError(.mismatch, code: "shape_mismatch",
                             "\(weights.location): \(name) has shape \(info.shape), config.json implies \(shape)")
        }
        let t = try weights.tensor(name)
        weights.release(name)
        return t.values
    }

    func missing(_ name: String) -> AlloyError {
        AlloyError(.mismatch, code: "missing_tensor", "\(weights.location): has no tensor \"\(name)\" needed for the forward pass")
    }
}

/// cos/sin of every position's rotary angles, scaled by the RoPE type's attention factor.
/// With a rounding dtype, cos/sin and every product and sum of the rotation are rounded to it.
struct RotaryTable {
    let half: Int
    let cos: [Float]
    let sin: [Float]
    let rounding: ((Float) -> Float)?

    init(_ rope: RopeParameters, length: Int, rounding dtype: DType? = nil) {
        let (inverse, scale) = rope.frequencies(sequenceLength: length)
        half = inverse.count
        var c = [Float](repeating: 0, count: length * half), s = c
        for pos in 0..<length {
            for i in 0..<half {
                let angle = Double(pos) * inverse[i]
                c[pos * half + i] = Float(Foundation.cos(angle) * scale)
                s[pos * half + i] = Float(Foundation.sin(angle) * scale)
            }
        }
        rounding = InferenceKernels.scalarRounding(dtype)
        if let dtype {
            ElementCodec.roundTrip(&c, through: dtype)
            ElementCodec.roundTrip(&s, through: dtype)
        }
        cos = c
        sin = s
    }

    /// Rotates every head of every token; token `t` of a sequence is at position `t`.
    func apply(_ x: inout [Float], heads: Int, headDim: Int, sequences: [PaddedSequence], starts: [Int]) {
        guard half > 0 else { return }
        x.withUnsafeMutableBufferPointer { xp in
            cos.withUnsafeBufferPointer { cp in
                sin.withUnsafeBufferPointer { sp in
                    for (si, seq) in sequences.enumerated() {
                        for t in 0..<seq.ids.count {
                            let row = xp.baseAddress! + (starts[si] + t) * heads * headDim
                            for head in 0..<heads {
                                if let rounding {
                                    InferenceKernels.rotateRounded(row + head * headDim, cos: cp.baseAddress! + t * half,
                                                                   sin: sp.baseAddress! + t * half, half: half, round: rounding)
                                } else {
                                    InferenceKernels.rotate(row + head * headDim, cos: cp.baseAddress! + t * half,
                                                            sin: sp.baseAddress! + t * half, half: half)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
