@testable import AlloyFormat
import Testing

/// Every fp8 format: the value of each of the 256 codes (from an independent
/// formula), encode round trips, round-to-nearest-even ties between every pair of
/// neighbouring codes, and PyTorch's overflow and NaN behaviour.
@Suite struct MinifloatTests {
    struct Format: Sendable, CustomStringConvertible {
        var name: String
        var format: Minifloat
        var exponentBits: Int
        var mantissaBits: Int
        var bias: Int
        var description: String { name }
    }

    static let formats = [
        Format(name: "e4m3fn", format: .e4m3fn, exponentBits: 4, mantissaBits: 3, bias: 7),
        Format(name: "e5m2", format: .e5m2, exponentBits: 5, mantissaBits: 2, bias: 15),
        Format(name: "e4m3fnuz", format: .e4m3fnuz, exponentBits: 4, mantissaBits: 3, bias: 8),
        Format(name: "e5m2fnuz", format: .e5m2fnuz, exponentBits: 5, mantissaBits: 2, bias: 16),
    ]

    /// The value of `code` worked out in Double from its bit fields.
    static func oracle(_ f: Format, _ code: Int) -> Double {
        let sign = code >> 7 == 1 ? -1.0 : 1.0
        let e = (code >> f.mantissaBits) & ((1 << f.exponentBits) - 1)
        let m = code & ((1 << f.mantissaBits) - 1)
        let maxE = (1 << f.exponentBits) - 1
        let maxM = (1 << f.mantissaBits) - 1
        switch f.name {
        case "e5m2" where e == maxE: return m == 0 ? sign * .infinity : .nan
        case "e4m3fn" where e == maxE && m == maxM: return .nan
        case "e4m3fnuz", "e5m2fnuz": if code == 0x80 { return .nan }
        default: break
        }
        let fraction = Double(m) / Double(1 << f.mantissaBits)
        if e == 0 { return sign * fraction * Double.pow2(1 - f.bias) }
        return sign * (1 + fraction) * Double.pow2(e - f.bias)
    }

    @Test(arguments: formats) func decodesEveryCode(_ f: Format) {
        for code in 0..<256 {
            let got = f.format.decode(UInt8(code))
            let want = Self.oracle(f, code)
            if want.isNaN {
                #expect(got.isNaN, "\(f) \(code)")
            } else {
                #expect(Double(got) == want, "\(f) code \(code): \(got) vs \(want)")
            }
        }
    }

    @Test(arguments: formats) func everyCodeEncodesBackToItself(_ f: Format) {
        for code in 0..<256 {
            let v = f.format.decode(UInt8(code))
            let back = f.format.encode(v)
            if v.isNaN {
                #expect(f.format.decode(back).isNaN, "\(f) \(code)")
            } else if v == 0 && v.sign == .minus && f.name.hasSuffix("fnuz") {
                Issue.record("fnuz formats have no negative zero code")
            } else {
                #expect(back == UInt8(code), "\(f) code \(code) value \(v) encoded as \(back)")
            }
        }
    }

    @Test(arguments: formats) func roundsTiesToEvenBetweenNeighbours(_ f: Format) {
        let fmt = f.format
        var code = 0
        while true {
            let next = code + 1
            let lo = fmt.decode(UInt8(code)), hi = fmt.decode(UInt8(next))
            guard hi.isFinite, hi > lo else { break }
            let mid = (lo + hi) / 2  // exact: fp8 midpoints are floats
            let even = code & 1 == 0 ? code : next
            for negative in [false, true] {
                let s: Float = negative ? -1 : 1
                let signBit = negative && !(f.name.hasSuffix("fnuz") && even == 0) ? 0x80 : 0
                #expect(fmt.encode(s * mid) == UInt8(even | signBit), "\(f) tie \(code)/\(next)")
                #expect(fmt.encode(s * mid.nextDown) == UInt8(code | (negative && !(f.name.hasSuffix("fnuz") && code == 0) ? 0x80 : 0)),
                        "\(f) below tie \(code)")
                #expect(fmt.encode(s * mid.nextUp) == UInt8(next | (negative ? 0x80 : 0)), "\(f) above tie \(code)")
            }
            code = next
        }
        #expect(code > 100, "walked \(code) codes")
    }

    @Test func overflowAndSpecialsMatchPyTorch() {
        let e4m3 = Minifloat.e4m3fn
        #expect(e4m3.decode(0x7E) == 448)
        #expect(e4m3.encode(464) == 0x7E)       // tie between 448 and the (NaN) next code: even 448
        #expect(e4m3.encode(Float(464).nextUp) == 0x7F)
        #expect(e4m3.encode(-500) == 0xFF)
        #expect(e4m3.encode(.infinity) == 0x7F)
        #expect(e4m3.encode(.nan) == 0x7F)
        #expect(e4m3.encode(-Float.nan) == 0xFF)
        #expect(e4m3.encode(0x1p-10) == 0x00)   // half the smallest subnormal: tie to even zero
        #expect(e4m3.encode(0x1.8p-9) == 0x02)  // 1.5 × smallest subnormal: tie to even 2

        let e5m2 = Minifloat.e5m2
        #expect(e5m2.decode(0x7B) == 57344)
        #expect(e5m2.encode(61440) == 0x7C)     // tie between 57344 (odd code) and infinity: infinity
        #expect(e5m2.encode(Float(61440).nextDown) == 0x7B)
        #expect(e5m2.encode(-.infinity) == 0xFC)
        #expect(e5m2.encode(.nan) == 0x7F)
        #expect(e5m2.encode(-0.0) == 0x80)

        let fnuz = Minifloat.e4m3fnuz
        #expect(fnuz.decode(0x7F) == 240)
        #expect(fnuz.encode(1000) == 0x80)
        #expect(fnuz.encode(-1000) == 0x80)
        #expect(fnuz.encode(-0.0) == 0x00)
        #expect(fnuz.encode(-0x1p-20) == 0x00)
        #expect(Minifloat.e5m2fnuz.decode(0x7F) == 57344)
    }

    @Test func e8m0IsPowersOfTwo() {
        let f = Minifloat.e8m0
        for code in 0..<255 {
            #expect(f.decode(UInt8(code)) == Float(sign: .plus, exponent: code - 127, significand: 1))
            #expect(f.encode(f.decode(UInt8(code))) == UInt8(code))
        }
        #expect(f.decode(0xFF).isNaN)
        #expect(f.decode(0x7F) == 1)
        #expect(f.encode(-1) == 0xFF)
        #expect(f.encode(3) == 0x81)       // 3 is halfway between 2 and 4 in value: ties up
        #expect(f.encode(2.9) == 0x80)
    }

    @Test func elementCodecDecodesEveryFp8DtypeThroughTheFormats() {
        let codes = (0..<256).map { UInt8($0) }
        let pairs: [(DType, Minifloat)] = [(.F8_E4M3, .e4m3fn), (.F8_E5M2, .e5m2), (.F8_E4M3FNUZ, .e4m3fnuz),
                                           (.F8_E5M2FNUZ, .e5m2fnuz), (.F8_E8M0, .e8m0)]
        for (dtype, format) in pairs {
            let decoded = codes.withUnsafeBytes { ElementCodec.decode($0, dtype: dtype, count: 256) }
            for code in 0..<256 {
                let want = format.decode(UInt8(code))
                #expect(decoded[code].bitPattern == want.bitPattern || (decoded[code].isNaN && want.isNaN), "\(dtype) \(code)")
            }
        }
    }
}

extension Double {
    static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }
}
