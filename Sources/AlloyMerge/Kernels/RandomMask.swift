import AlloyMath
/// Uniform draws for the random keep masks of DARE and DELLA, reproducible and
/// independent of how a tensor is cut into blocks or which thread merges it.
///
/// Element `g` of a tensor (flattened) takes its draw from chunk `g / 4096`: each
/// chunk has its own generator seeded (through SplitMix64) from (run seed, tensor
/// name, model, chunk): eight xorshift128 streams side by side, one SIMD step
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

    /// Zeroes `v[i]` (elements `offset ..< offset + v.count`) unless its uniform is below `p`,
    /// as `uniforms` then `keep(_:uniforms:probability:)` do, without storing the uniforms:
    /// a uniform is k·2⁻²⁴ for a 24-bit integer k, so u < p exactly when k < ⌈p·2²⁴⌉.
    func keep(_ v: UnsafeMutableBufferPointer<Float>, from offset: Int, probability p: Float) {
        guard v.count > 0 else { return }
        let scaled = Double(p) * 16_777_216
        // NaN or p ≤ 0 keeps nothing; p > 1 keeps everything.
        let threshold = scaled > 0 ? UInt32(min(scaled.rounded(.up), 16_777_217)) : 0
        var g = offset
        let end = offset + v.count
        while g < end {
            let c = g / Self.chunk
            let chunkStart = c * Self.chunk
            let stop = min(end, chunkStart + Self.chunk)
            var lanes = Lanes(seed: key ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15))
            Self.keep(&lanes, skip: g - chunkStart, v.baseAddress! + (g - offset), stop - g, threshold)
            g = stop
        }
    }

    /// `fill` fused with the keep test against the integer threshold `t`.
    @inline(never) static func keep(_ lanes: inout Lanes, skip: Int, _ out: UnsafeMutablePointer<Float>, _ count: Int, _ t: UInt32) {
        for _ in 0..<(skip >> 3) { _ = lanes.next() }
        var i = 0
        var head = skip & 7
        if head != 0 {
            let k = lanes.next() &>> 8
            while head < 8 && i < count {
                out[i] = MagnitudeRankMask.masked(out[i], k[head] < t)
                head += 1
                i += 1
            }
        }
        let threshold = SIMD8<UInt32>(repeating: t)
        let raw = UnsafeMutableRawPointer(out)
        while i + 8 <= count {
            // Both sides are below 2^25, so k − t wraps to a number with its top bit set exactly when k < t.
            let below = (lanes.next() &>> 8) &- threshold
            let mask = SIMD8<UInt32>(repeating: 0) &- (below &>> 31)
            let bits = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<UInt32>.self)
            raw.storeBytes(of: bits & mask, toByteOffset: 4 * i, as: SIMD8<UInt32>.self)
            i += 8
        }
        if i < count {
            let k = lanes.next() &>> 8
            for l in 0..<(count - i) { out[i + l] = MagnitudeRankMask.masked(out[i + l], k[l] < t) }
        }
    }

    /// Eight xorshift128 generators in SIMD lanes (shifts and xors only, which SSE2 has
    /// for vectors; a rotate would be done lane by lane).
    struct Lanes {
        var x: SIMD8<UInt32>, y: SIMD8<UInt32>, z: SIMD8<UInt32>, w: SIMD8<UInt32>

        init(seed: UInt64) {
            var state = seed
            var words = (SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>(), SIMD8<UInt32>())
            for i in 0..<16 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var v = state
                v = (v ^ (v >> 30)) &* 0xBF58_476D_1CE4_E5B9
                v = (v ^ (v >> 27)) &* 0x94D0_49BB_1331_11EB
                v ^= v >> 31
                // A lane's state must not be all zero; SplitMix64 outputs are never zero in both halves here.
                let lo = UInt32(truncatingIfNeeded: v) | (i < 4 ? 1 : 0), hi = UInt32(truncatingIfNeeded: v >> 32)
                let lane = (2 * i) % 8, vector = (2 * i) / 8
                switch vector {
                case 0: words.0[lane] = lo; words.0[lane + 1] = hi
                case 1: words.1[lane] = lo; words.1[lane + 1] = hi
                case 2: words.2[lane] = lo; words.2[lane + 1] = hi
                default: words.3[lane] = lo; words.3[lane + 1] = hi
                }
            }
            (x, y, z, w) = words
        }

        /// The next eight outputs.
        @inline(__always) mutating func next() -> SIMD8<UInt32> {
            let t = x ^ (x &<< 11)
            x = y
            y = z
            z = w
            w = (w ^ (w &>> 19)) ^ (t ^ (t &>> 8))
            return w
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
        for i in 0..<v.count { x[i] = MagnitudeRankMask.masked(x[i], r[i] < p) }
    }

    /// Zeroes `v[i]` unless `u[i] < p[i]`.
    @inline(never) static func keep(_ v: UnsafeMutableBufferPointer<Float>, uniforms u: UnsafeBufferPointer<Float>,
                                    probabilities p: UnsafeBufferPointer<Float>) {
        guard v.count > 0 else { return }
        let x = v.baseAddress!, r = u.baseAddress!, q = p.baseAddress!
        for i in 0..<v.count { x[i] = MagnitudeRankMask.masked(x[i], r[i] < q[i]) }
    }
}
