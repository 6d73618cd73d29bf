#if canImport(Glibc)
import Glibc
#endif

/// How two tensors of the same shape differ, element by element, accumulated in `Double`.
///
/// Pairs where both values are finite feed the statistics. Pairs where either is
/// not finite are equal when both are NaN or both the same infinity, and are
/// otherwise counted in `nonFiniteMismatches` (and in `mismatches`).
public struct TensorDifference: Sendable, Equatable {
    /// Number of element pairs.
    public var count = 0
    /// Pairs where both values are finite.
    public var finiteCount = 0
    /// Pairs beyond tolerance, non-finite mismatches included.
    public var mismatches = 0
    /// Pairs where a NaN or infinity is not matched by the same in the other tensor.
    public var nonFiniteMismatches = 0
    /// max |a − b| over finite pairs.
    public var maxAbsoluteDifference = 0.0
    /// max |a − b| / max(|a|, |b|) over finite pairs (0 where both are 0).
    public var maxRelativeDifference = 0.0
    var sumSquaredDifference = 0.0
    var dot = 0.0
    var normA = 0.0
    var normB = 0.0

    public init() {}

    /// sqrt(mean((a − b)²)) over finite pairs.
    public var rmsDifference: Double { finiteCount > 0 ? (sumSquaredDifference / Double(finiteCount)).squareRoot() : 0 }

    /// a·b / (‖a‖‖b‖) over finite pairs; 1 when both are all zeros, 0 when only one is.
    public var cosineSimilarity: Double {
        if normA == 0 && normB == 0 { return 1 }
        if normA == 0 || normB == 0 { return 0 }
        // sqrt(n·n) is exactly n in floating point, so identical tensors give exactly 1.
        return Swift.min(1, Swift.max(-1, dot / (normA * normB).squareRoot()))
    }

    /// True when no pair is beyond tolerance.
    public var withinTolerance: Bool { mismatches == 0 }

    /// Combines the differences of two disjoint parts of a tensor pair.
    public mutating func merge(_ other: TensorDifference) {
        count += other.count
        finiteCount += other.finiteCount
        mismatches += other.mismatches
        nonFiniteMismatches += other.nonFiniteMismatches
        maxAbsoluteDifference = Swift.max(maxAbsoluteDifference, other.maxAbsoluteDifference)
        maxRelativeDifference = Swift.max(maxRelativeDifference, other.maxRelativeDifference)
        sumSquaredDifference += other.sumSquaredDifference
        dot += other.dot
        normA += other.normA
        normB += other.normB
    }

    /// Compares `count` elements stored as `dtypeA` in `a` with as many stored as
    /// `dtypeB` in `b`, a chunk at a time (`scratchA` and `scratchB` have the same size).
    public static func compute(_ a: UnsafeRawBufferPointer, dtype dtypeA: DType,
                               _ b: UnsafeRawBufferPointer, dtype dtypeB: DType,
                               count: Int, tolerance: Tolerance,
                               scratchA: UnsafeMutableBufferPointer<Float>,
                               scratchB: UnsafeMutableBufferPointer<Float>) -> TensorDifference {
        precondition(dtypeA.isDecodable && dtypeB.isDecodable && !scratchA.isEmpty && scratchA.count == scratchB.count)
        let widthA = dtypeA.bitWidth / 8, widthB = dtypeB.bitWidth / 8
        var total = TensorDifference()
        var start = 0
        while start < count {
            let n = Swift.min(scratchA.count, count - start)
            let range = start..<(start + n)
            let rawA = UnsafeRawBufferPointer(rebasing: a[(range.lowerBound * widthA)..<(range.upperBound * widthA)])
            let rawB = UnsafeRawBufferPointer(rebasing: b[(range.lowerBound * widthB)..<(range.upperBound * widthB)])
            let chunkA = UnsafeMutableBufferPointer(rebasing: scratchA[0..<n])
            if dtypeA == dtypeB && memcmp(rawA.baseAddress!, rawB.baseAddress!, rawA.count) == 0 {
                ElementCodec.decode(rawA, dtype: dtypeA, into: chunkA)
                total.merge(identical(chunkA))
            } else {
                let chunkB = UnsafeMutableBufferPointer(rebasing: scratchB[0..<n])
                ElementCodec.decode(rawA, dtype: dtypeA, into: chunkA)
                ElementCodec.decode(rawB, dtype: dtypeB, into: chunkB)
                total.merge(of(chunkA, chunkB, tolerance))
            }
            start += n
        }
        return total
    }

    /// The difference of a chunk with itself: nothing differs, but the norms count.
    static func identical(_ values: UnsafeMutableBufferPointer<Float>) -> TensorDifference {
        var d = TensorDifference()
        d.count = values.count
        var finite = UnsafeBufferPointer(values)
        if ReductionKernels.countNonFinite(finite) > 0 {
            finite = UnsafeBufferPointer(rebasing: values[0..<ReductionKernels.compactFinite(values).finite])
        }
        d.finiteCount = finite.count
        let squares = ReductionKernels.sumOfSquares(finite)
        d.dot = squares
        d.normA = squares
        d.normB = squares
        return d
    }

    /// The difference of two decoded chunks (which may be reordered).
    static func of(_ a: UnsafeMutableBufferPointer<Float>, _ b: UnsafeMutableBufferPointer<Float>,
                   _ tolerance: Tolerance) -> TensorDifference {
        var d = TensorDifference()
        d.count = a.count
        var n = a.count
        if ReductionKernels.countNonFinite(UnsafeBufferPointer(a)) + ReductionKernels.countNonFinite(UnsafeBufferPointer(b)) > 0 {
            let (kept, mismatched) = ReductionKernels.compactFinitePairs(a, b)
            n = kept
            d.nonFiniteMismatches = mismatched
        }
        d.finiteCount = n
        let sums = ReductionKernels.comparePairs(UnsafeBufferPointer(rebasing: a[0..<n]), UnsafeBufferPointer(rebasing: b[0..<n]),
                                                 atol: tolerance.atol, rtol: tolerance.rtol)
        d.mismatches = sums.beyondTolerance + d.nonFiniteMismatches
        d.maxAbsoluteDifference = sums.maxAbsoluteDifference
        d.maxRelativeDifference = sums.maxRelativeDifference
        d.sumSquaredDifference = sums.sumSquaredDifference
        d.dot = sums.dot
        d.normA = sums.normA
        d.normB = sums.normB
        return d
    }
}
