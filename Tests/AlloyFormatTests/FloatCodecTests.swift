@testable import AlloyFormat
import Testing

/// Exhaustive checks of the 16-bit float conversions: every bit pattern, every
/// rounding tie, with Swift's `Float16` as the oracle for IEEE half.
@Suite struct FloatCodecTests {
    /// The next float above / below `f` (by bit pattern, for positive finite `f`).
    static func up(_ f: Float) -> Float { Float(bitPattern: f.bitPattern + 1) }
    static func down(_ f: Float) -> Float { Float(bitPattern: f.bitPattern - 1) }

    @Test func bf16DecodesEveryPatternAsTheHighHalfOfAFloat() {
        var mismatches = 0
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = FloatBits.bf16ToFloat(h)
            let expected = Float(bitPattern: UInt32(h) << 16)
            if f.bitPattern != expected.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func bf16RoundTripsEveryPattern() {
        var mismatches = 0
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = FloatBits.bf16ToFloat(h)
            let back = FloatBits.floatToBF16(f)
            if f.isNaN {
                if !FloatBits.bf16ToFloat(back).isNaN || back & 0x8000 != h & 0x8000 { mismatches += 1 }
            } else if back != h {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    /// Between each pair of neighbouring bf16 values, the exact midpoint rounds to
    /// the even one and the floats just either side round to the nearer one.
    @Test func bf16RoundsTiesToEvenBetweenEveryPairOfNeighbours() {
        var failures: [String] = []
        for bits in 0..<0x7F80 {  // positive finite patterns (0x7F7F's upper neighbour is infinity)
            for sign: UInt32 in [0, 0x8000_0000] {
                let lower = UInt16(bits), upper = UInt16(bits + 1)
                let midpoint = Float(bitPattern: (UInt32(lower) << 16 | 0x8000) | sign)
                let even = lower & 1 == 0 ? lower : upper
                let signBits = UInt16(sign >> 16)
                if FloatBits.floatToBF16(midpoint) != even | signBits { failures.append("tie \(bits)") }
                let below = Float(bitPattern: midpoint.bitPattern - 1)
                let above = Float(bitPattern: midpoint.bitPattern + 1)
                if FloatBits.floatToBF16(below) != lower | signBits { failures.append("below \(bits)") }
                if FloatBits.floatToBF16(above) != upper | signBits { failures.append("above \(bits)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        #expect(FloatBits.floatToBF16(.infinity) == 0x7F80)
        #expect(FloatBits.floatToBF16(-.infinity) == 0xFF80)
        #expect(FloatBits.floatToBF16(.greatestFiniteMagnitude) == 0x7F80)  // rounds up to infinity
        #expect(FloatBits.bf16ToFloat(FloatBits.floatToBF16(.nan)).isNaN)
        #expect(FloatBits.floatToBF16(-0.0) == 0x8000)
    }

    @Test func f16DecodesEveryPatternLikeFloat16() {
        var failures: [UInt16] = []
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = FloatBits.f16ToFloat(h)
            let oracle = Float(Float16(bitPattern: h))
            if oracle.isNaN {
                if !f.isNaN || f.sign != oracle.sign { failures.append(h) }
            } else if f.bitPattern != oracle.bitPattern {
                failures.append(h)
            }
        }
        #expect(failures.isEmpty, "first: \(failures.prefix(5))")
    }

    @Test func f16EncodesEveryValueAndEveryTieLikeFloat16() {
        var failures: [String] = []
        func check(_ f: Float, _ label: String) {
            let got = FloatBits.floatToF16(f)
            let oracle = Float16(f).bitPattern
            if f.isNaN {
                if !Float(Float16(bitPattern: got)).isNaN { failures.append("\(label): NaN lost") }
            } else if got != oracle {
                failures.append("\(label) \(f): \(got) vs \(oracle)")
            }
        }
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let value = FloatBits.f16ToFloat(h)
            check(value, "value \(bits)")
            // Midpoint to the next pattern up (in magnitude); f16 midpoints are exact floats.
            guard h & 0x7FFF < 0x7C00 else { continue }
            let next = FloatBits.f16ToFloat(h &+ 1)
            let midpoint = h & 0x7FFF == 0x7BFF
                ? (value < 0 ? -65520 : 65520)  // between the largest half and infinity
                : (value + next) / 2
            check(midpoint, "tie \(bits)")
            if midpoint != 0 {
                check(Float(bitPattern: midpoint.bitPattern - 1), "below-tie \(bits)")
                check(Float(bitPattern: midpoint.bitPattern + 1), "above-tie \(bits)")
            }
        }
        // A sweep over float bit patterns (every exponent, many mantissas).
        var bits: UInt32 = 0
        while bits < 0xFFFF_FFFF - 4093 {
            check(Float(bitPattern: bits), "sweep")
            bits += 4093
        }
        #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
        #expect(FloatBits.floatToF16(65504) == 0x7BFF)
        #expect(FloatBits.floatToF16(65520) == 0x7C00)
        #expect(FloatBits.floatToF16(0x1p-25) == 0)       // half the smallest subnormal: tie to even zero
        #expect(FloatBits.floatToF16(0x1.8p-24) == 0x0002) // 1.5 × smallest subnormal: tie to even 2
    }

    @Test func bulkCodecMatchesScalarCodecsAndToleratesMisalignedSources() {
        let values: [Float] = [0, -0.0, 1, -1.5, 3.14159, 1e-6, -65504, 70000, .infinity, -.infinity, 0x1p-20, 448, 500]
        for dtype in [DType.F32, .F16, .BF16, .F64, .F8_E4M3, .F8_E5M2] {
            let width = dtype.bitWidth / 8
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: values.count * width + 1, alignment: 16)
            defer { bytes.deallocate() }
            let aligned = UnsafeMutableRawBufferPointer(rebasing: bytes[0..<(values.count * width)])
            values.withUnsafeBufferPointer { ElementCodec.encode($0, dtype: dtype, into: aligned) }
            let decoded = ElementCodec.decode(UnsafeRawBufferPointer(aligned), dtype: dtype, count: values.count)
            // The same bytes one byte further on (misaligned) decode identically.
            let shifted = UnsafeMutableRawBufferPointer(rebasing: bytes[1..<(values.count * width + 1)])
            shifted.copyMemory(from: UnsafeRawBufferPointer(aligned))
            let decodedShifted = ElementCodec.decode(UnsafeRawBufferPointer(shifted), dtype: dtype, count: values.count)
            #expect(decoded.map(\.bitPattern) == decodedShifted.map(\.bitPattern), "\(dtype)")
            var rounded = values
            ElementCodec.roundTrip(&rounded, through: dtype)
            #expect(rounded.map(\.bitPattern) == decoded.map(\.bitPattern), "\(dtype)")
            for (v, d) in zip(values, decoded) {
                let expected: Float
                switch dtype {
                case .F32, .F64: expected = v
                case .F16: expected = FloatBits.f16ToFloat(FloatBits.floatToF16(v))
                case .BF16: expected = FloatBits.bf16ToFloat(FloatBits.floatToBF16(v))
                case .F8_E4M3: expected = Minifloat.e4m3fn.decode(Minifloat.e4m3fn.encode(v))
                default: expected = Minifloat.e5m2.decode(Minifloat.e5m2.encode(v))
                }
                #expect(d.bitPattern == expected.bitPattern || (d.isNaN && expected.isNaN), "\(dtype) \(v)")
            }
        }
    }

    @Test func integerDtypesDecodeExactly() {
        let i8: [Int8] = [-128, -1, 0, 1, 127]
        let d8 = i8.withUnsafeBytes { ElementCodec.decode($0, dtype: .I8, count: i8.count) }
        #expect(d8 == [-128, -1, 0, 1, 127])
        let u16: [UInt16] = [0, 1, 65535]
        #expect(u16.withUnsafeBytes { ElementCodec.decode($0, dtype: .U16, count: 3) } == [0, 1, 65535])
        let i64: [Int64] = [-(1 << 40), 7]
        #expect(i64.withUnsafeBytes { ElementCodec.decode($0, dtype: .I64, count: 2) } == [-0x1p40, 7])
        let bools: [UInt8] = [0, 1, 1]
        #expect(bools.withUnsafeBytes { ElementCodec.decode($0, dtype: .BOOL, count: 3) } == [0, 1, 1])
        // Rounding through a dtype Alloy cannot encode leaves the values alone.
        var v: [Float] = [1.5, -2.25]
        ElementCodec.roundTrip(&v, through: .I32)
        #expect(v == [1.5, -2.25])
    }
}
