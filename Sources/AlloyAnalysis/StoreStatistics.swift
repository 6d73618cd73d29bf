import AlloyFormat
import AlloyMath
/// Per-tensor statistics over a `TensorStore`, computed streaming (a chunk of a
/// piece of a tensor at a time) and in parallel.
public enum StoreStatistics {
    /// Elements per block (and per scratch buffer, for dtypes decoded before reducing).
    static let chunkElements = StatisticsKernel.blockElements

    /// Statistics of each of `names`, in the same order. A tensor whose dtype
    /// cannot be decoded or whose bytes cannot be read gets the error instead.
    /// `progress(bytes)` is called as tensors finish.
    public static func compute(_ store: TensorStore, names: [String], threads: Int = Parallel.defaultThreads,
                               progress: (Int) -> Void = { _ in }) -> [Result<TensorStatistics, AlloyError>] {
        let infos = names.map { store.info($0) }
        let counts = infos.map { info in info.map { $0.dtype.isDecodable ? $0.elementCount : 0 } ?? 0 }
        let results = PiecewiseReduction.run(counts: counts, threads: threads, compute: { item, range -> TensorStatistics in
            guard let info = infos[item] else { throw store.missing(names[item]) }
            guard info.dtype.isDecodable else {
                throw AlloyError(.unsupported, code: "unsupported_dtype",
                                 "tensor \"\(info.name)\" is \(info.dtype.rawValue), which Alloy cannot decode")
            }
            let bytes = try store.bytes(names[item])
            let width = info.dtype.bitWidth / 8
            let piece = UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound * width)..<(range.upperBound * width)])
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunkElements)
            defer { scratch.deallocate() }
            return TensorStatistics.compute(piece, dtype: info.dtype, count: range.count, scratch: scratch)
        }, finished: { item in
            store.release(names[item])
            progress(infos[item]?.byteCount ?? 0)
        })
        return results.map { result in
            switch result {
            case .success(let parts):
                var total = TensorStatistics()
                for p in parts { total.merge(p) }
                return .success(total)
            case .failure(let e as AlloyError): return .failure(e)
            case .failure(let e): return .failure(AlloyError(.io, code: "internal_error", String(describing: e)))
            }
        }
    }
}
