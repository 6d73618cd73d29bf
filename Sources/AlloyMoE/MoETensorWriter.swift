import AlloyFormat
import AlloyMath
/// Assembles one output tensor from its source pieces and writes it.
enum MoETensorWriter {
    /// Concatenates `pieces` (each cast to the output dtype, with the expert's noise
    /// and scale applied) into one buffer and hands it to the writer. Pieces already
    /// in the output dtype with nothing to apply are copied byte for byte.
    static func writePieces(_ pieces: [MoETensorPiece], spec: TensorSpec, writer: ShardedWriter, seed: UInt64) throws {
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(spec.byteCount, 1), alignment: 64)
        defer { out.deallocate() }
        let width = spec.dtype.bitWidth / 8
        var offset = 0
        for piece in pieces {
            let store = piece.model.store
            guard let info = store.info(piece.name) else {
                throw AlloyError(.mismatch, code: "missing_tensor", "\(store.location): has no tensor \"\(piece.name)\"")
            }
            let count = info.elementCount
            guard offset + count * width <= spec.byteCount else {
                throw AlloyError(.mismatch, code: "shape_mismatch",
                                 "\(store.location): \(piece.name) \(info.shape) does not fit \(spec.name) \(spec.shape)")
            }
            let target = UnsafeMutableRawBufferPointer(rebasing: out[offset..<(offset + count * width)])
            let raw = try store.bytes(piece.name)
            if info.dtype == spec.dtype && piece.isPlainCopy {
                target.copyMemory(from: raw)
            } else {
                var values = ElementCodec.decode(raw, dtype: info.dtype, count: count)
                if let sigma = piece.noiseScale, sigma > 0 {
                    var rng = SeededRandom(seed: seed, stream: "noise/" + piece.noiseStream)
                    addNoise(&values, sigma: Float(sigma), rng: &rng)
                }
                if let s = piece.scale { scale(&values, by: Float(s)) }
                values.withUnsafeBufferPointer { ElementCodec.encode($0, dtype: spec.dtype, into: target) }
            }
            store.release(piece.name)
            offset += count * width
        }
        guard offset == spec.byteCount else {
            throw AlloyError(.mismatch, code: "shape_mismatch", "\(spec.name): pieces fill \(offset) of \(spec.byteCount) bytes")
        }
        try writer.write(spec.name, bytes: UnsafeRawBufferPointer(out))
    }

    @inline(never)
    static func addNoise(_ v: inout [Float], sigma: Float, rng: inout SeededRandom) {
        for i in v.indices { v[i] += sigma * rng.nextGaussian() }
    }

    @inline(never)
    static func scale(_ v: inout [Float], by s: Float) {
        v.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] *= s } }
    }
}
