/// Uniform draws for the random keep masks of DARE and DELLA, reproducible and
/// independent of how a tensor is cut into blocks or which thread merges it.
///
/// Element `g` of a tensor (flattened) takes its draw from chunk `g / 4096`: each
/// chunk has its own xoshiro stream seeded from (run seed, tensor name, model,
/// chunk), and one 64-bit draw gives two 24-bit uniforms (elements `2j` and `2j+1`
/// of the chunk). Any block, starting anywhere, regenerates exactly its elements' draws.
struct RandomMaskStream: Sendable {
    static let chunk = 4096
    let key: UInt64

    init(seed: UInt64, tensor: String, model: Int) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in tensor.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        key = seed ^ h ^ (UInt64(model + 1) &* 0xD1B5_4A32_D192_ED03)
    }

    /// Fills `u` with the uniforms in [0, 1) of elements `offset ..< offset + u.count`.
    func uniforms(from offset: Int, into u: UnsafeMutableBufferPointer<Float>) {
        var g = offset
        let end = offset + u.count
        while g < end {
            let c = g / Self.chunk
            let chunkStart = c * Self.chunk
            let stop = min(end, chunkStart + Self.chunk)
            var rng = SeededRandom(seed: key ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15))
            Self.fill(&rng, skip: g - chunkStart, u.baseAddress! + (g - offset), stop - g)
            g = stop
        }
    }

    /// Writes `count` uniforms starting at element `skip` of a chunk's stream.
    @inline(never) static func fill(_ rng: inout SeededRandom, skip: Int, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        let scale: Float = 1.0 / 16_777_216.0
        for _ in 0..<(skip >> 1) { _ = rng.next() }
        var i = 0
        if skip & 1 == 1 && count > 0 {
            out[0] = Float((rng.next() >> 16) & 0xFF_FFFF) * scale
            i = 1
        }
        while i + 1 < count {
            let d = rng.next()
            out[i] = Float(d >> 40) * scale
            out[i + 1] = Float((d >> 16) & 0xFF_FFFF) * scale
            i += 2
        }
        if i < count { out[i] = Float(rng.next() >> 40) * scale }
    }

    /// Zeroes `v[i]` unless `u[i] < p`.
    @inline(never) static func keep(_ v: UnsafeMutableBufferPointer<Float>, uniforms u: UnsafeBufferPointer<Float>, probability p: Float) {
        guard v.count > 0 else { return }
        let x = v.baseAddress!, r = u.baseAddress!
        for i in 0..<v.count { x[i] = r[i] < p ? x[i] : 0 }
    }

    /// Zeroes `v[i]` unless `u[i] < p[i]`.
    @inline(never) static func keep(_ v: UnsafeMutableBufferPointer<Float>, uniforms u: UnsafeBufferPointer<Float>,
                                    probabilities p: UnsafeBufferPointer<Float>) {
        guard v.count > 0 else { return }
        let x = v.baseAddress!, r = u.baseAddress!, q = p.baseAddress!
        for i in 0..<v.count { x[i] = r[i] < q[i] ? x[i] : 0 }
    }
}
