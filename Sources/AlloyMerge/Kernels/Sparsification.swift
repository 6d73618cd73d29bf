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
}
