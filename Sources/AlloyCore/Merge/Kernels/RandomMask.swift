/// Uniform draws for the random keep masks of DARE and DELLA, reproducible and
/// independent of how a tensor is cut into blocks or which thread merges it.
///
/// Element `g` of a tensor (flattened) takes its draw from chunk `g / 4096`: each
/// chunk has its own generator seeded (through SplitMix64) from (run seed, tensor
/// name, model, chunk): eight xoshiro128+ streams side by side, one SIMD step
/// giving the uniforms of eight consecutive elements (the top 24 bits of each
/// 32-bit output). Any block, starting anywhere, regenerates exactly its elements' draws.
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
            var lanes = Lanes(seed: key ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15))
            Self.fill(&lanes, skip: g - chunkStart, u.baseAddress! + (g - offset), stop - g)
            g = stop
        }
    }

    /// Eight xoshiro128+ generators in SIMD lanes.
    struct Lanes {
        var s0: SIMD8<UInt32>, s1: SIMD8<UInt32>, s2: SIMD8<UInt32>, s3: SIMD8<UInt32>

        init(seed: UInt64) {
            var x = seed
            var words: [UInt32] = []
            for _ in 0..<16 {
                x &+= 0x9E37_79B9_7F4A_7C15
                var z = x
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                words += [UInt32(truncatingIfNeeded: z), UInt32(truncatingIfNeeded: z >> 32)]
            }
            func lanes(_ i: Int) -> SIMD8<UInt32> { SIMD8(words[(8 * i)..<(8 * i + 8)]) }
            (s0, s1, s2, s3) = (lanes(0), lanes(1), lanes(2), lanes(3))
        }

        /// The next eight outputs.
        @inline(__always) mutating func next() -> SIMD8<UInt32> {
            let result = s0 &+ s3
            let t = s1 &<< 9
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = (s3 &<< 11) | (s3 &>> 21)
            return result
        }
    }

    /// Writes `count` uniforms starting at element `skip` of a chunk's stream.
    @inline(never) static func fill(_ lanes: inout Lanes, skip: Int, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        let scale = SIMD8<Float>(repeating: 1.0 / 16_777_216.0)
        for _ in 0..<(skip >> 3) { _ = lanes.next() }
        var i = 0
        var head = skip & 7
        if head != 0 {
            let u = SIMD8<Float>(lanes.next() &>> 8) * scale
            while head < 8 && i < count {
                out[i] = u[head]
                head += 1
                i += 1
            }
        }
        while i + 8 <= count {
            let u = SIMD8<Float>(lanes.next() &>> 8) * scale
            UnsafeMutableRawPointer(out + i).storeBytes(of: u, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            let u = SIMD8<Float>(lanes.next() &>> 8) * scale
            for l in 0..<(count - i) { out[i + l] = u[l] }
        }
    }

    /// Zeroes `v[i]` unless `u[i] < p`.
    @inline(never) static func keep(_ v: UnsafeMutableBufferPointer<Float>, uniforms u: UnsafeBufferPointer<Float>, probability p: Float) {
        guard v.count > 0 else { return }
        let x = v.baseAddress!, r = u.baseAddress!
        for i in 0..<v.count { x[i] = TaskVectorKernels.masked(x[i], r[i] < p) }
    }

    /// Zeroes `v[i]` unless `u[i] < p[i]`.
    @inline(never) static func keep(_ v: UnsafeMutableBufferPointer<Float>, uniforms u: UnsafeBufferPointer<Float>,
                                    probabilities p: UnsafeBufferPointer<Float>) {
        guard v.count > 0 else { return }
        let x = v.baseAddress!, r = u.baseAddress!, q = p.baseAddress!
        for i in 0..<v.count { x[i] = TaskVectorKernels.masked(x[i], r[i] < q[i]) }
    }
}
