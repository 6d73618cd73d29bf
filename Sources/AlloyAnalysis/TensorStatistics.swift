import AlloyFormat
/// Summary statistics of one tensor's values, accumulated in `Double`.
///
/// `min`, `max`, `mean`, `std` (population standard deviation) and `meanAbs` are
/// taken over the finite values only; NaN and infinite values are counted apart.
/// They are nil when the tensor has no finite value.
public struct TensorStatistics: Sendable, Equatable {
    /// Number of elements.
    public var count = 0
    /// Number of finite elements, over which the moments are taken.
    public var finiteCount = 0
    public var zeros = 0
    public var nans = 0
    public var infs = 0
    var minimum = Float.infinity
    var maximum = -Float.infinity
    var runningMean = 0.0
    /// Σ (x − mean)² over finite values.
    var m2 = 0.0
    var sumAbs = 0.0

    public init() {}

    public var min: Double? { finiteCount > 0 ? Double(minimum) : nil }
    public var max: Double? { finiteCount > 0 ? Double(maximum) : nil }
    public var mean: Double? { finiteCount > 0 ? runningMean : nil }
    /// Population standard deviation (divides by n, like `numpy.std`).
    public var std: Double? { finiteCount > 0 ? (m2 / Double(finiteCount)).squareRoot() : nil }
    /// Mean of |x|.
    public var meanAbs: Double? { finiteCount > 0 ? sumAbs / Double(finiteCount) : nil }

    /// Combines the statistics of two disjoint parts of a tensor (Chan et al.'s update).
    public mutating func merge(_ other: TensorStatistics) {
        let n = finiteCount + other.finiteCount
        if n > 0 && other.finiteCount > 0 {
            let delta = other.runningMean - runningMean
            let weight = Double(other.finiteCount) / Double(n)
            m2 += other.m2 + delta * delta * Double(finiteCount) * weight
            runningMean += delta * weight
        }
        finiteCount = n
        count += other.count
        zeros += other.zeros
        nans += other.nans
        infs += other.infs
        sumAbs += other.sumAbs
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// Statistics of `count` elements of `dtype` stored in `bytes`, in one pass.
    ///
    /// bf16 and f32 are read straight from `bytes`; other dtypes are decoded a
    /// block at a time into `scratch`. Blocks hold `min(scratch.count, 4096)`
    /// elements from the start of `bytes`, so the result depends only on the
    /// data and the scratch size.
    public static func compute(_ bytes: UnsafeRawBufferPointer, dtype: DType, count: Int,
                               scratch: UnsafeMutableBufferPointer<Float>) -> TensorStatistics {
        precondition(dtype.isDecodable && !scratch.isEmpty)
        let block = Swift.min(scratch.count, StatisticsKernel.blockElements)
        guard count > 0, let base = bytes.baseAddress else { return TensorStatistics() }
        switch dtype {
        case .BF16: return StatisticsKernel.statistics(BF16Lanes(base: base), 0..<count, block: block)
        case .F32: return StatisticsKernel.statistics(F32Lanes(base: base), 0..<count, block: block)
        default: break
        }
        let width = dtype.bitWidth / 8
        let lanes = F32Lanes(base: UnsafeRawPointer(scratch.baseAddress!))
        var total = TensorStatistics()
        var start = 0
        while start < count {
            let n = Swift.min(block, count - start)
            ElementCodec.decode(UnsafeRawBufferPointer(rebasing: bytes[(start * width)..<((start + n) * width)]),
                                dtype: dtype, into: UnsafeMutableBufferPointer(rebasing: scratch[0..<n]))
            total.merge(StatisticsKernel.block(lanes, 0..<n))
            start += n
        }
        return total
    }
}
