#if canImport(Glibc)
import AlloyFormat
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
    /// `dtypeB` in `b`, in one pass over both.
    ///
    /// bf16 and f32 are read straight from the bytes; other dtypes are decoded a
    /// block at a time into `scratchA` / `scratchB` (same size). Blocks hold
    /// `min(scratch size, 4096)` pairs from the start; a block whose bytes are
    /// identical on both sides (same dtype) only needs its norms.
    public static func compute(_ a: UnsafeRawBufferPointer, dtype dtypeA: DType,
                               _ b: UnsafeRawBufferPointer, dtype dtypeB: DType,
                               count: Int, tolerance: Tolerance,
                               scratchA: UnsafeMutableBufferPointer<Float>,
                               scratchB: UnsafeMutableBufferPointer<Float>) -> TensorDifference {
        precondition(dtypeA.isDecodable && dtypeB.isDecodable && !scratchA.isEmpty && scratchA.count == scratchB.count)
        let block = Swift.min(scratchA.count, StatisticsKernel.blockElements)
        let widthA = dtypeA.bitWidth / 8, widthB = dtypeB.bitWidth / 8
        var total = TensorDifference()
        var start = 0
        while start < count {
            let n = Swift.min(block, count - start)
            let rawA = UnsafeRawBufferPointer(rebasing: a[(start * widthA)..<((start + n) * widthA)])
            let rawB = UnsafeRawBufferPointer(rebasing: b[(start * widthB)..<((start + n) * widthB)])
            let sideA = Side(rawA, dtypeA, scratchA), sideB = Side(rawB, dtypeB, scratchB)
            if dtypeA == dtypeB && memcmp(rawA.baseAddress!, rawB.baseAddress!, rawA.count) == 0 {
                total.merge(sideA.identical(n))
            } else {
                total.merge(sideA.compare(with: sideB, n, tolerance, relativeSoFar: total.maxRelativeDifference))
            }
            start += n
        }
        return total
    }

    /// One side of a block, read in place (bf16, f32) or decoded into scratch.
    enum Side {
        case bf16(BF16Lanes)
        case f32(F32Lanes)

        init(_ raw: UnsafeRawBufferPointer, _ dtype: DType, _ scratch: UnsafeMutableBufferPointer<Float>) {
            switch dtype {
            case .BF16: self = .bf16(BF16Lanes(base: raw.baseAddress!))
            case .F32: self = .f32(F32Lanes(base: raw.baseAddress!))
            default:
                let n = raw.count / (dtype.bitWidth / 8)
                ElementCodec.decode(raw, dtype: dtype, into: UnsafeMutableBufferPointer(rebasing: scratch[0..<n]))
                self = .f32(F32Lanes(base: UnsafeRawPointer(scratch.baseAddress!)))
            }
        }

        func identical(_ n: Int) -> TensorDifference {
            switch self {
            case .bf16(let a): return DifferenceKernel.identicalBlock(a, 0..<n)
            case .f32(let a): return DifferenceKernel.identicalBlock(a, 0..<n)
            }
        }

        func compare(with other: Side, _ n: Int, _ tolerance: Tolerance, relativeSoFar: Double) -> TensorDifference {
            switch (self, other) {
            case (.bf16(let a), .bf16(let b)): return DifferenceKernel.block(a, b, 0..<n, tolerance, relativeSoFar: relativeSoFar)
            case (.bf16(let a), .f32(let b)): return DifferenceKernel.block(a, b, 0..<n, tolerance, relativeSoFar: relativeSoFar)
            case (.f32(let a), .bf16(let b)): return DifferenceKernel.block(a, b, 0..<n, tolerance, relativeSoFar: relativeSoFar)
            case (.f32(let a), .f32(let b)): return DifferenceKernel.block(a, b, 0..<n, tolerance, relativeSoFar: relativeSoFar)
            }
        }
    }
}
