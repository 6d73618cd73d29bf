import AlloyFormat
import Foundation

/// Rotary position embedding settings and the inverse frequencies they give,
/// following Transformers' `modeling_rope_utils` for the types `default`,
/// `linear`, `dynamic` (NTK), `llama3` and `yarn`.
public struct RopeParameters: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case `default`, linear, dynamic, llama3, yarn
    }

    public var kind: Kind
    public var theta: Double
    /// Fraction of each head's dimensions that rotate.
    public var partialRotaryFactor: Double
    public var factor: Double
    public var originalMaxPositionEmbeddings: Int
    public var lowFreqFactor: Double
    public var highFreqFactor: Double
    public var betaFast: Double
    public var betaSlow: Double
    public var mscale: Double?
    public var mscaleAllDim: Double?
    public var attentionFactor: Double?
    public var truncate: Bool
    public var headDim: Int
    public var maxPositionEmbeddings: Int

    /// Reads `rope_parameters` (v5) or `rope_theta` + `rope_scaling` (v4) from a config.
    public init(config: JSONValue, headDim: Int, maxPositionEmbeddings: Int, source: String) throws {
        var params = config["rope_parameters"] ?? .null
        if params.isNull { params = config["rope_scaling"] ?? .null }
        if !params.isNull && params.objectValue == nil {
            throw AlloyError(.invalidData, code: "invalid_config", "\(source): rope_parameters/rope_scaling is not an object")
        }
        let typeName = params["rope_type"]?.stringValue ?? params["type"]?.stringValue ?? "default"
        guard let kind = Kind(rawValue: typeName == "dynamic-ntk" ? "dynamic" : typeName) else {
            throw AlloyError(.unsupported, code: "unsupported_rope",
                             "\(source): rope type \"\(typeName)\" is not supported by the forward pass (supported: default, linear, dynamic, llama3, yarn)")
        }
        self.kind = kind
        self.headDim = headDim
        self.maxPositionEmbeddings = maxPositionEmbeddings
        theta = params["rope_theta"]?.doubleValue ?? config["rope_theta"]?.doubleValue ?? 10000
        partialRotaryFactor = params["partial_rotary_factor"]?.doubleValue ?? config["partial_rotary_factor"]?.doubleValue ?? 1
        originalMaxPositionEmbeddings = params["original_max_position_embeddings"]?.intValue
            ?? config["original_max_position_embeddings"]?.intValue ?? maxPositionEmbeddings
        let givenFactor = params["factor"]?.doubleValue
        if kind == .yarn, givenFactor == nil {
            factor = Double(maxPositionEmbeddings) / Double(originalMaxPositionEmbeddings)
        } else {
            factor = givenFactor ?? 1
        }
        if [.linear, .dynamic, .llama3].contains(kind), givenFactor == nil {
            throw AlloyError(.invalidData, code: "invalid_config", "\(source): rope type \(typeName) needs a \"factor\"")
        }
        lowFreqFactor = params["low_freq_factor"]?.doubleValue ?? 1
        highFreqFactor = params["high_freq_factor"]?.doubleValue ?? 4
        betaFast = params["beta_fast"]?.doubleValue ?? 32
        betaSlow = params["beta_slow"]?.doubleValue ?? 1
        mscale = params["mscale"]?.doubleValue
        mscaleAllDim = params["mscale_all_dim"]?.doubleValue
        attentionFactor = params["attention_factor"]?.doubleValue
        truncate = params["truncate"]?.boolValue ?? true
    }

    /// Number of dimensions per head that rotate (even).
    public var rotaryDim: Int { Int(Double(headDim) * partialRotaryFactor) }

    /// Inverse frequencies (`rotaryDim / 2` of them) and the factor cos/sin are scaled by,
    /// for sequences of `sequenceLength` positions.
    public func frequencies(sequenceLength: Int) -> (inverse: [Double], attentionScale: Double) {
        let dim = rotaryDim
        let half = dim / 2
        func plain(_ base: Double) -> [Double] {
            (0..<half).map { 1 / pow(base, Double(2 * $0) / Double(dim)) }
        }
        switch kind {
        case .default:
            return (plain(theta), 1)
        case .linear:
            return (plain(theta).map { $0 / factor }, 1)
        case .dynamic:
            let length = Double(max(sequenceLength, maxPositionEmbeddings))
            let maxPos = Double(maxPositionEmbeddings)
            let base = theta * pow(factor * length / maxPos - (factor - 1), Double(dim) / Double(dim - 2))
            return (plain(base), 1)
        case .llama3:
            let old = Double(originalMaxPositionEmbeddings)
            let lowWavelen = old / lowFreqFactor, highWavelen = old / highFreqFactor
            let scaled = plain(theta).map { f -> Double in
                let wavelen = 2 * Double.pi / f
                if wavelen < highWavelen { return f }
                if wavelen > lowWavelen { return f / factor }
                let smooth = (old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor)
                return (1 - smooth) * f / factor + smooth * f
            }
            return (scaled, 1)
        case .yarn:
            return yarn(dim: dim)
        }
    }

    private func yarn(dim: Int) -> (inverse: [Double], attentionScale: Double) {
        func getMscale(_ scale: Double, _ m: Double = 1) -> Double { scale <= 1 ? 1 : 0.1 * m * log(scale) + 1 }
        var attention = attentionFactor
        if attention == nil {
            if let m = mscale, let all = mscaleAllDim, m != 0, all != 0 {
                attention = getMscale(factor, m) / getMscale(factor, all)
            } else {
                attention = getMscale(factor)
            }
        }
        func correctionDim(_ rotations: Double) -> Double {
            Double(dim) * log(Double(originalMaxPositionEmbeddings) / (rotations * 2 * Double.pi)) / (2 * log(theta))
        }
        var low = correctionDim(betaFast), high = correctionDim(betaSlow)
        if truncate { low = low.rounded(.down); high = high.rounded(.up) }
        low = max(low, 0)
        high = min(high, Double(dim - 1))
        if low == high { high += 0.001 }
        let half = dim / 2
        var inverse = [Double](repeating: 0, count: half)
        for i in 0..<half {
            let posFreq = pow(theta, Double(2 * i) / Double(dim))
            let extrapolation = 1 / posFreq, interpolation = 1 / (factor * posFreq)
            let ramp = min(max((Double(i) - low) / (high - low), 0), 1)
            let extrapolationFactor = 1 - ramp
            inverse[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor
        }
        return (inverse, attention ?? 1)
    }
}
