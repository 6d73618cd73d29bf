import AlloyFormat
import AlloyMath
import AlloyModel
import Foundation

/// Router (gate) rows for every layer: `values[l][e]` is the `hidden`-long row
/// of expert `e` in layer `l`, stored as one `[layers, experts, hidden]` array.
public struct RouterWeights: Sendable {
    public let layers: Int
    public let experts: Int
    public let hidden: Int
    public var values: [Float]

    public init(layers: Int, experts: Int, hidden: Int, values: [Float]) {
        precondition(values.count == layers * experts * hidden)
        self.layers = layers
        self.experts = experts
        self.hidden = hidden
        self.values = values
    }

    /// Rows `range` of layer `layer`, row-major.
    public func rows(layer: Int, _ range: Range<Int>) -> [Float] {
        let base = (layer * experts) * hidden
        return Array(values[(base + range.lowerBound * hidden)..<(base + range.upperBound * hidden)])
    }

    /// Layers whose gate matrix has a condition number above `threshold` (mergekit
    /// warns about these: the prompts are too similar to route apart).
    public func degenerateLayers(threshold: Float = 5) -> [Int] {
        guard experts > 1 else { return [] }
        var bad: [Int] = []
        for l in 0..<layers {
            guard let s = try? Linalg.svd(rows(layer: l, 0..<experts), rows: experts, cols: hidden).s,
                  let top = s.first, let bottom = s.last else { continue }
            if bottom <= 0 || top / bottom > threshold { bad.append(l) }
        }
        return bad
    }
}

/// The prompt groups of one gated expert, tokenized.
public struct ExpertPrompts: Sendable {
    public var positive: [[Int]]
    public var negative: [[Int]]

    public init(positive: [[Int]], negative: [[Int]]) {
        self.positive = positive
        self.negative = negative
    }
}

/// Builds router weights the ways mergekit-moe's gate modes do.
public enum RouterBuilder {
    /// `hidden` / `hidden_last` / `hidden_avg`: the base model's residual stream
    /// entering each layer, per prompt group (left-padded with `padId` within the
    /// group), at the last position (`average: false`) or averaged over all
    /// positions, averaged over the prompts; negative groups are subtracted; each
    /// layer's row is normalised to unit length.
    public static func hidden(_ forward: DecoderForward, experts: [ExpertPrompts], padId: Int,
                              average: Bool) throws -> RouterWeights {
        let c = forward.config
        let layers = c.numLayers, h = c.hiddenSize
        // One batch holding every group; remember which sequences belong to which group.
        var sequences: [PaddedSequence] = []
        var groups: [(expert: Int, sign: Float, range: Range<Int>)] = []
        for (e, prompts) in experts.enumerated() {
            for (group, sign) in [(prompts.positive, Float(1)), (prompts.negative, Float(-1))] where !group.isEmpty {
                let start = sequences.count
                sequences += PaddedSequence.leftPadded(group, padId: padId)
                groups.append((e, sign, start..<sequences.count))
            }
        }
        var sums = [Double](repeating: 0, count: layers * experts.count * h)
        try forward.run(sequences, upTo: layers - 1) { layer, states in
            guard layer < layers else { return }
            for g in groups {
                var mean = [Double](repeating: 0, count: h)
                for s in g.range {
                    let length = states.lengths[s]
                    let positions = average ? 0..<length : (length - 1)..<length
                    for t in positions {
                        let v = states.vector(sequence: s, position: t)
                        var i = 0
                        for x in v { mean[i] += Double(x) / Double(positions.count); i += 1 }
                    }
                }
                let base = (layer * experts.count + g.expert) * h
                let scale = Double(g.sign) / Double(g.range.count)
                for i in 0..<h { sums[base + i] += mean[i] * scale }
            }
        }
        return RouterWeights(layers: layers, experts: experts.count, hidden: h, values: normalizedRows(sums, width: h))
    }

    /// `cheap_embed`: the normalised sum of the prompts' token embeddings (every
    /// token, padding excluded), minus the same for the negative prompts,
    /// normalised again; the same row for every layer.
    public static func cheapEmbed(embeddings store: TensorStore, layers: Int, experts: [ExpertPrompts]) throws -> RouterWeights {
        let name = "model.embed_tokens.weight"
        guard let info = store.info(name), info.shape.count == 2 else {
            throw AlloyError(.mismatch, code: "missing_tensor", "\(store.location): has no 2-D tensor \"\(name)\" for cheap_embed gates")
        }
        let vocab = info.shape[0], h = info.shape[1]
        let raw = try store.bytes(name)
        let rowBytes = h * info.dtype.bitWidth / 8
        var row = [Float](repeating: 0, count: h)
        func embeddingSum(_ prompts: [[Int]]) throws -> [Double] {
            var sum = [Double](repeating: 0, count: h)
            for ids in prompts {
                for id in ids {
                    guard id >= 0 && id < vocab else {
                        throw AlloyError(.mismatch, code: "token_out_of_range",
                                         "\(store.location): token id \(id) is outside the embedding's \(vocab) rows")
                    }
                    row.withUnsafeMutableBufferPointer {
                        ElementCodec.decode(UnsafeRawBufferPointer(rebasing: raw[(id * rowBytes)..<((id + 1) * rowBytes)]),
                                            dtype: info.dtype, into: $0)
                    }
                    for i in 0..<h { sum[i] += Double(row[i]) }
                }
            }
            return normalizedRows(sum, width: h).map(Double.init)
        }
        var values: [Float] = []
        var perExpert: [[Float]] = []
        for prompts in experts {
            var g = try embeddingSum(prompts.positive)
            if !prompts.negative.isEmpty {
                let n = try embeddingSum(prompts.negative)
                for i in 0..<h { g[i] -= n[i] }
            }
            perExpert.append(normalizedRows(g, width: h))
        }
        store.release(name)
        for _ in 0..<layers { for r in perExpert { values += r } }
        return RouterWeights(layers: layers, experts: experts.count, hidden: h, values: values)
    }

    /// `random` (N(0, 1)) or `uniform_random` (U(−1/√H, 1/√H)) rows; layer `l`
    /// draws from its own stream of `seed`.
    public static func random(layers: Int, experts: Int, hidden: Int, seed: UInt64, uniform: Bool,
                              stream: String = "router") -> RouterWeights {
        var values = [Float](repeating: 0, count: layers * experts * hidden)
        let bound = 1 / Float(hidden).squareRoot()
        for l in 0..<layers {
            var rng = SeededRandom(seed: seed, stream: "\(stream)/\(l)")
            for i in 0..<(experts * hidden) {
                values[l * experts * hidden + i] = uniform ? (rng.nextUnitFloat() * 2 - 1) * bound : rng.nextGaussian()
            }
        }
        return RouterWeights(layers: layers, experts: experts, hidden: hidden, values: values)
    }

    /// Each `width`-long row divided by `max(‖row‖, 1e-8)`.
    static func normalizedRows(_ v: [Double], width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        for r in 0..<(v.count / max(width, 1)) {
            var norm = 0.0
            for i in 0..<width { norm += v[r * width + i] * v[r * width + i] }
            let inv = 1 / max(norm.squareRoot(), 1e-8)
            for i in 0..<width { out[r * width + i] = Float(v[r * width + i] * inv) }
        }
        return out
    }
}
