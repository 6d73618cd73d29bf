#if canImport(Glibc)
import AlloyFormat
import AlloyMath
import Glibc
#endif

/// Element-wise comparison of tensors from two `TensorStore`s, computed streaming
/// and in parallel (pieces of tensors on every thread, a chunk at a time).
public enum StoreComparison {
    /// One tensor of A to compare with one tensor of B (same element count).
    public struct Pair: Sendable {
        public var nameA: String
        public var nameB: String
        public var tolerance: Tolerance

        public init(nameA: String, nameB: String, tolerance: Tolerance) {
            self.nameA = nameA
            self.nameB = nameB
            self.tolerance = tolerance
        }
    }

    static let chunkElements = StatisticsKernel.blockElements

    /// The difference for each pair, in order. Dtypes Alloy cannot decode (F4, F6, C64)
    /// are compared byte for byte when both sides have the same dtype: `mismatches`
    /// then counts differing bytes. `progress(bytes)` is called as pairs finish.
    public static func compare(_ a: TensorStore, _ b: TensorStore, pairs: [Pair], threads: Int = Parallel.defaultThreads,
                               progress: (Int) -> Void = { _ in }) -> [Result<TensorDifference, AlloyError>] {
        let infos = pairs.map { (a.info($0.nameA), b.info($0.nameB)) }
        let counts = infos.map { pair -> Int in
            guard let x = pair.0, let y = pair.1 else { return 0 }
            return x.dtype.isDecodable && y.dtype.isDecodable ? x.elementCount : x.byteCount
        }
        let results = PiecewiseReduction.run(counts: counts, threads: threads, compute: { item, range -> TensorDifference in
            let pair = pairs[item]
            guard let infoA = infos[item].0 else { throw a.missing(pair.nameA) }
            guard let infoB = infos[item].1 else { throw b.missing(pair.nameB) }
            guard infoA.elementCount == infoB.elementCount else {
                throw AlloyError(.mismatch, code: "shape_mismatch",
                                 "tensor \"\(pair.nameA)\" has \(infoA.elementCount) elements in A and \(infoB.elementCount) in B")
            }
            let bytesA = try a.bytes(pair.nameA), bytesB = try b.bytes(pair.nameB)
            guard infoA.dtype.isDecodable && infoB.dtype.isDecodable else {
                return try compareBytes(bytesA, bytesB, infoA, infoB, range)
            }
            let wa = infoA.dtype.bitWidth / 8, wb = infoB.dtype.bitWidth / 8
            let pieceA = UnsafeRawBufferPointer(rebasing: bytesA[(range.lowerBound * wa)..<(range.upperBound * wa)])
            let pieceB = UnsafeRawBufferPointer(rebasing: bytesB[(range.lowerBound * wb)..<(range.upperBound * wb)])
            let scratchA = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunkElements)
            let scratchB = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunkElements)
            defer {
                scratchA.deallocate()
                scratchB.deallocate()
            }
            return TensorDifference.compute(pieceA, dtype: infoA.dtype, pieceB, dtype: infoB.dtype, count: range.count,
                                            tolerance: pair.tolerance, scratchA: scratchA, scratchB: scratchB)
        }, finished: { item in
            a.release(pairs[item].nameA)
            b.release(pairs[item].nameB)
            progress((infos[item].0?.byteCount ?? 0) + (infos[item].1?.byteCount ?? 0))
        })
        return results.map { result in
            switch result {
            case .success(let parts):
                var total = TensorDifference()
                for p in parts { total.merge(p) }
                return .success(total)
            case .failure(let e as AlloyError): return .failure(e)
            case .failure(let e): return .failure(AlloyError(.io, code: "internal_error", String(describing: e)))
            }
        }
    }

    /// A byte-for-byte comparison of a byte range, for dtypes that cannot be decoded.
    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ infoA: TensorInfo, _ infoB: TensorInfo,
                             _ range: Range<Int>) throws -> TensorDifference {
        guard infoA.dtype == infoB.dtype else {
            throw AlloyError(.unsupported, code: "unsupported_dtype",
                             "tensor \"\(infoA.name)\" is \(infoA.dtype.rawValue) in A and \(infoB.dtype.rawValue) in B; Alloy cannot decode them to compare")
        }
        var d = TensorDifference()
        d.count = range.count
        var differing = 0
        for i in range where a[i] != b[i] { differing += 1 }
        d.mismatches = differing
        return d
    }
}
