import Testing
@testable import AlloyCore

@Suite struct FloatCodecTests {
    @Test func bf16RoundTripsEveryPattern() {
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = FloatBits.bf16ToFloat(h)
            let back = FloatBits.floatToBF16(f)
            if f.isNaN { #expect(FloatBits.bf16ToFloat(back).isNaN) } else { #expect(back == h) }
        }
    }
}
