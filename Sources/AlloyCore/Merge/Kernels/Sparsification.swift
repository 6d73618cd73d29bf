/// The ways the task-arithmetic family thins a task vector before combining
/// (mergekit's `sparsify.py`). Every one is a no-op at density ≥ 1.
public enum Sparsification: Sendable, Equatable {
    /// TIES trimming: keep the `floor(density·n)` largest magnitudes.
    case magnitude
    /// DARE: keep each entry independently with probability `density`.
    case random
    /// Model Breadcrumbs: drop the `floor(gamma·n)` largest magnitudes as outliers,
    /// then the smallest ones down to `floor(density·n)` kept.
    case magnitudeOutliers
    /// DELLA: keep each entry with a probability that grows with its magnitude rank
    /// within its row, from `density − epsilon` (smallest) to `density + epsilon` (largest).
    case rankMagnitudeSampling

    /// Per-model settings of one sparsification call.
    public struct Settings: Sendable {
        public var density: Double
        public var gamma: Double = 0.01
        public var epsilon: Double = 0.15
        public var rescale: Bool = false
        public init(density: Double, gamma: Double = 0.01, epsilon: Double = 0.15, rescale: Bool = false) {
            self.density = density
            self.gamma = gamma
            self.epsilon = epsilon
            self.rescale = rescale
        }
    }

    /// Sparsifies `delta` (of `shape`) in place. Random variants draw from `rng`.
    /// Throws when DELLA's `density ± epsilon` leaves (0, 1).
    public func apply(to delta: UnsafeMutableBufferPointer<Float>, shape: [Int], settings s: Settings,
                      precision: WorkingPrecision, rng: inout SeededRandom) throws {
        let n = delta.count
        if s.density >= 1 || n == 0 { return }
        let denseL1 = s.rescale ? L1Rescale.l1(UnsafeBufferPointer(delta)) : 0
        switch self {
        case .magnitude:
            let k = max(0, Int(s.density * Double(n)))
            MagnitudeRankMask.keep(0..<k, order: .descending, of: delta)
        case .magnitudeOutliers:
            let target = max(0, Int(s.density * Double(n)))
            var top = min(n, max(0, Int(s.gamma * Double(n))))
            var bottom = n - target - top
            if bottom < 0 {
                top += bottom
                bottom = 0
            }
            MagnitudeRankMask.keep(bottom..<(n - top), order: .ascending, of: delta)
        case .random:
            BernoulliMask.apply(delta, probability: Float(s.density), rng: &rng)
        case .rankMagnitudeSampling:
            if s.density <= 0 {
                MagnitudeRankMask.zero(delta)
                return
            }
            guard s.density - s.epsilon > 0, s.density + s.epsilon < 1 else {
                throw AlloyError.config("epsilon", "della needs density ± epsilon inside (0, 1), got density \(s.density) and epsilon \(s.epsilon)",
                                        hint: "lower epsilon or move density away from 0 and 1")
            }
            let probabilities = DellaProbabilities.compute(UnsafeBufferPointer(delta), shape: shape,
                                                           density: s.density, epsilon: s.epsilon)
            probabilities.withUnsafeBufferPointer { BernoulliMask.apply(delta, probabilities: $0, rng: &rng) }
        }
        if s.rescale { L1Rescale.apply(delta, denseL1: denseL1, precision: precision) }
    }
}

/// Random keep masks.
public enum BernoulliMask {
    /// Zeroes each element unless a uniform draw falls below `p`.
    @inline(never)
    public static func apply(_ v: UnsafeMutableBufferPointer<Float>, probability p: Float, rng: inout SeededRandom) {
        for i in 0..<v.count where rng.nextUnitFloat() >= p { v[i] = 0 }
    }

    /// Zeroes element i unless a uniform draw falls below `p[i]`.
    @inline(never)
    public static func apply(_ v: UnsafeMutableBufferPointer<Float>, probabilities p: UnsafeBufferPointer<Float>,
                             rng: inout SeededRandom) {
        for i in 0..<v.count where rng.nextUnitFloat() >= p[i] { v[i] = 0 }
    }
}
