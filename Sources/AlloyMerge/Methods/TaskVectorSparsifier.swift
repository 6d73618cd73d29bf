import AlloyFormat
import AlloyMath
/// One model's sparsification of its task vector over a whole tensor, fed block by
/// block. Whole-tensor statistics come from gathering passes (`stage`): the
/// magnitude thresholds of TIES and Breadcrumbs, and the two L1 norms of `rescale`.
/// Then `apply` masks each block, and `factor` is the rescale factor.
struct TaskVectorSparsifier {
    enum Rule {
        /// Keep nothing.
        case zero
        /// Keep everything.
        case all
        /// Magnitude ranks being selected in streaming passes.
        case selecting(MagnitudeSelection)
        /// The selected magnitude ranks (ties among equal magnitudes by index).
        case window(MagnitudeWindow)
        /// Magnitude ranks selected by replaying PyTorch's sort on the whole tensor (one block only).
        case replayedMagnitude(kept: Range<Int>, order: MagnitudeRankMask.Order)
        /// DARE: keep with probability `density`.
        case random(Float)
        /// DELLA: keep with a probability ramped by magnitude rank within each row.
        case rankSampling(density: Double, epsilon: Double)
    }

    /// What a gathering pass collects.
    enum Stage { case magnitude, norms }

    var rule: Rule
    let rescale: Bool
    let stream: RandomMaskStream
    private var dense = AbsoluteSum(), kept = AbsoluteSum()
    private var normsDone = false
    /// The L1 rescale factor, once the norms are known (nil: no rescaling).
    private(set) var factor: Float?
    let precision: WorkingPrecision

    /// The sparsifier for `kind` at `settings` on a tensor of `count` elements, or nil when it
    /// keeps everything (density ≥ 1). `replay` selects magnitude ranks as PyTorch's sort does
    /// (the tensor must then come as one block).
    init?(_ kind: Sparsification, settings s: Sparsification.Settings, count n: Int, replay: Bool,
          stream: RandomMaskStream, precision: WorkingPrecision) throws {
        if s.density >= 1 || n == 0 { return nil }
        self.stream = stream
        self.precision = precision
        var rescale = s.rescale
        switch kind {
        case .magnitude:
            let k = max(0, Int(s.density * Double(n)))
            rule = Self.magnitudeRule(kept: (n - k)..<n, count: n, order: .descending, replay: replay)
        case .magnitudeOutliers:
            let target = max(0, Int(s.density * Double(n)))
            var top = min(n, max(0, Int(s.gamma * Double(n))))
            var bottom = n - target - top
            if bottom < 0 {
                top += bottom
                bottom = 0
            }
            rule = Self.magnitudeRule(kept: bottom..<(n - top), count: n, order: .ascending, replay: replay)
        case .random:
            rule = .random(Float(s.density))
        case .rankMagnitudeSampling:
            if s.density <= 0 {
                rule = .zero
                rescale = false
            } else {
                guard s.density - s.epsilon > 0, s.density + s.epsilon < 1 else {
                    throw AlloyError.config("epsilon", "della needs density ± epsilon inside (0, 1), got density \(s.density) and epsilon \(s.epsilon)",
                                            hint: "lower epsilon or move density away from 0 and 1")
                }
                rule = .rankSampling(density: s.density, epsilon: s.epsilon)
            }
        }
        switch rule {
        case .zero, .all: rescale = false
        default: break
        }
        self.rescale = rescale
    }

    /// Keeps ascending magnitude positions `kept` of `count`: everything, nothing or a selection.
    static func magnitudeRule(kept: Range<Int>, count: Int, order: MagnitudeRankMask.Order, replay: Bool) -> Rule {
        let k = kept.clamped(to: 0..<count)
        if k.isEmpty { return .zero }
        if k == 0..<count { return .all }
        if replay {
            // Positions in the order PyTorch sorts in.
            let positions = order == .ascending ? k : (count - k.upperBound)..<(count - k.lowerBound)
            return .replayedMagnitude(kept: positions, order: order)
        }
        return .selecting(MagnitudeSelection(count: count, kept: k, descending: order == .descending))
    }

    /// The gathering pass this model still needs, if any.
    var stage: Stage? {
        if case .selecting = rule { return .magnitude }
        if rescale && !normsDone { return .norms }
        return nil
    }

    /// Starts a pass over the blocks (masks that count tied elements start over).
    mutating func restart() {
        if case .window(var window) = rule {
            window.restart()
            rule = .window(window)
        }
    }

    /// Adds one block of the task vector to the current pass; `delta` may be overwritten.
    mutating func gather(_ stage: Stage, _ delta: UnsafeMutableBufferPointer<Float>, offset: Int, shape: [Int],
                         scratch: UnsafeMutableBufferPointer<Float>) {
        switch stage {
        case .magnitude:
            guard case .selecting(let selection) = rule else { return }
            selection.gather(UnsafeBufferPointer(delta))
        case .norms:
            dense.add(UnsafeBufferPointer(delta), offset: offset)
            apply(to: delta, offset: offset, shape: shape, scratch: scratch)
            kept.add(UnsafeBufferPointer(delta), offset: offset)
        }
    }

    /// Ends the current pass.
    mutating func finishPass(_ stage: Stage) {
        switch stage {
        case .magnitude:
            guard case .selecting(let selection) = rule else { return }
            selection.finishPass()
            if let window = selection.window { rule = .window(window) }
        case .norms:
            normsDone = true
            factor = L1Rescale.factor(denseL1: dense.total, maskedL1: kept.total, precision: precision)
        }
    }

    /// Zeroes the entries of one block of the task vector that are not kept. `scratch` must
    /// hold two blocks.
    mutating func apply(to delta: UnsafeMutableBufferPointer<Float>, offset: Int, shape: [Int], scratch: UnsafeMutableBufferPointer<Float>) {
        let n = delta.count
        switch rule {
        case .zero:
            MagnitudeRankMask.zero(delta)
        case .all:
            return
        case .selecting:
            preconditionFailure("magnitude thresholds used before they were gathered")
        case .window(var window):
            window.apply(to: delta)
            rule = .window(window)
        case .replayedMagnitude(let kept, let order):
            MagnitudeRankMask.keep(kept, order: order, of: delta)
        case .random(let p):
            stream.keep(delta, from: offset, probability: p)
        case .rankSampling(let density, let epsilon):
            let u = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
            stream.uniforms(from: offset, into: u)
            let p = UnsafeMutableBufferPointer(rebasing: scratch[n..<(2 * n)])
            DellaProbabilities.compute(UnsafeBufferPointer(delta), shape: shape, density: density, epsilon: epsilon, into: p)
            RandomMaskStream.keep(delta, uniforms: UnsafeBufferPointer(u), probabilities: UnsafeBufferPointer(p))
        }
    }
}
