@testable import AlloyMath
import Testing

@Suite struct BLASRuntimeTests {
    static let avx512: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    @Test func genericCoresAreUpgradedFromTheCPUFlags() {
        #expect(BLASRuntime.upgrade(from: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
        #expect(BLASRuntime.upgrade(from: "Prescott", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(BLASRuntime.upgrade(from: "Nehalem", cpuFlags: ["avx"]) == "Sandybridge")
        #expect(BLASRuntime.upgrade(from: "Prescott", cpuFlags: ["sse3"]) == nil)
    }

    @Test func recognisedCoresAreLeftAlone() {
        for core in ["SkylakeX", "Cooperlake", "Haswell", "Zen", "SapphireRapids"] {
            #expect(BLASRuntime.upgrade(from: core, cpuFlags: Self.avx512) == nil)
        }
    }
}
