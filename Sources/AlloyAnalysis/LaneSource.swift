/// Reads tensor elements as `Float`, eight lanes at a time, straight from their
/// stored bytes, so a reduction decodes and accumulates in one pass.
///
/// Conforming types are small structs over a pointer; reduction kernels are
/// generic over them and the optimiser specialises each kernel per source.
protocol LaneSource {
    /// Elements `i ..< i + 8` (callers keep them in bounds).
    func lanes(at i: Int) -> SIMD8<Float>
    /// Element `i`.
    func value(at i: Int) -> Float
}

/// bfloat16 elements: the top half of a float's bits.
struct BF16Lanes: LaneSource {
    let base: UnsafeRawPointer

    @inline(__always) func lanes(at i: Int) -> SIMD8<Float> {
        let h = base.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<UInt16>.self)
        let w = SIMD8<UInt32>(UInt32(h[0]), UInt32(h[1]), UInt32(h[2]), UInt32(h[3]),
                              UInt32(h[4]), UInt32(h[5]), UInt32(h[6]), UInt32(h[7]))
        return unsafeBitCast(w &<< 16, to: SIMD8<Float>.self)
    }

    @inline(__always) func value(at i: Int) -> Float {
        Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)) << 16)
    }
}

/// float32 elements (also used for other dtypes once decoded into a scratch buffer).
struct F32Lanes: LaneSource {
    let base: UnsafeRawPointer

    @inline(__always) func lanes(at i: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
    }

    @inline(__always) func value(at i: Int) -> Float {
        base.loadUnaligned(fromByteOffset: i &* 4, as: Float.self)
    }
}

/// Lane helpers shared by the reduction kernels. They stay on integer bit
/// patterns and plain lane-by-lane selects (which compile to vector min/max/and),
/// never `SIMDMask`, which is slow here.
enum Lanes {
    /// 1 in each lane whose value is NaN or infinite (exponent all ones), else 0.
    @inline(__always) static func nonFinite(_ v: SIMD8<Float>) -> SIMD8<UInt32> {
        let magnitude = unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF
        return (magnitude &+ 0x0080_0000) &>> 31
    }

    /// 1 in each lane holding ±0, else 0.
    @inline(__always) static func zero(_ v: SIMD8<Float>) -> SIMD8<UInt32> {
        let magnitude = unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF
        return (magnitude &- 1) &>> 31
    }

    @inline(__always) static func abs(_ v: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    }

    @inline(__always) static func min(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0] < b[0] ? a[0] : b[0], a[1] < b[1] ? a[1] : b[1], a[2] < b[2] ? a[2] : b[2], a[3] < b[3] ? a[3] : b[3],
              a[4] < b[4] ? a[4] : b[4], a[5] < b[5] ? a[5] : b[5], a[6] < b[6] ? a[6] : b[6], a[7] < b[7] ? a[7] : b[7])
    }

    @inline(__always) static func max(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0] > b[0] ? a[0] : b[0], a[1] > b[1] ? a[1] : b[1], a[2] > b[2] ? a[2] : b[2], a[3] > b[3] ? a[3] : b[3],
              a[4] > b[4] ? a[4] : b[4], a[5] > b[5] ? a[5] : b[5], a[6] > b[6] ? a[6] : b[6], a[7] > b[7] ? a[7] : b[7])
    }

    /// Lanes 0–3 and 4–7 of `v`, widened to `Double`.
    @inline(__always) static func widen(_ v: SIMD8<Float>) -> (SIMD4<Double>, SIMD4<Double>) {
        (SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3])),
         SIMD4(Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7])))
    }

    @inline(__always) static func max(_ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
        SIMD4(a[0] > b[0] ? a[0] : b[0], a[1] > b[1] ? a[1] : b[1], a[2] > b[2] ? a[2] : b[2], a[3] > b[3] ? a[3] : b[3])
    }

    /// 1 where `a > b`, else 0, from the sign bit of `b − a` (no compare, no branch;
    /// callers pass finite values).
    @inline(__always) static func exceeds(_ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<UInt64> {
        unsafeBitCast(b - a, to: SIMD4<UInt64>.self) &>> 63
    }
}

extension Lanes {
    @inline(__always) static func abs(_ v: SIMD4<Double>) -> SIMD4<Double> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD4<Double>.self)
    }
}
