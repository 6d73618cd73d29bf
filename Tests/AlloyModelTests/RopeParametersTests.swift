@testable import AlloyFormat
@testable import AlloyModel
import Foundation
import Testing

/// RoPE frequencies for every supported scaling type, from both config spellings.
@Suite struct RopeParametersTests {
    static func rope(_ json: String, headDim: Int = 64, maxPositions: Int = 4096) throws -> RopeParameters {
        try RopeParameters(config: try JSONParser.parse(json), headDim: headDim, maxPositionEmbeddings: maxPositions, source: "test")
    }

    @Test func defaultIsThePlainGeometricSeries() throws {
        let (f, scale) = try Self.rope(#"{"rope_theta": 10000.0}"#).frequencies(sequenceLength: 10)
        #expect(f.count == 32 && scale == 1)
        for (i, v) in f.enumerated() { #expect(abs(v - pow(10000, -Double(2 * i) / 64)) < 1e-15) }
    }

    @Test func v4AndV5SpellingsAgree() throws {
        let v4 = try Self.rope(#"{"rope_theta": 500000.0, "rope_scaling": {"type": "linear", "factor": 4.0}}"#)
        let v5 = try Self.rope(#"{"rope_parameters": {"rope_theta": 500000.0, "rope_type": "linear", "factor": 4.0}}"#)
        #expect(v4 == v5)
        let plain = try Self.rope(#"{"rope_theta": 500000.0}"#).frequencies(sequenceLength: 1).inverse
        let linear = v4.frequencies(sequenceLength: 1).inverse
        for i in plain.indices { #expect(abs(linear[i] - plain[i] / 4) < 1e-18) }
    }

    @Test func llama3KeepsHighFrequenciesAndDividesLowOnes() throws {
        let r = try Self.rope(#"{"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}"#,
                              headDim: 128, maxPositions: 131072)
        let plain = try Self.rope(#"{"rope_theta": 500000.0}"#, headDim: 128).frequencies(sequenceLength: 1).inverse
        let scaled = r.frequencies(sequenceLength: 1).inverse
        for i in plain.indices {
            let wavelen = 2 * Double.pi / plain[i]
            if wavelen < 8192 / 4 { #expect(scaled[i] == plain[i]) }
            if wavelen > 8192 { #expect(abs(scaled[i] - plain[i] / 8) < 1e-18) }
            if wavelen >= 8192 / 4 && wavelen <= 8192 { #expect(scaled[i] < plain[i] && scaled[i] > plain[i] / 8) }
        }
    }

    @Test func yarnRampsBetweenExtrapolationAndInterpolation() throws {
        let r = try Self.rope(#"{"rope_theta": 10000.0, "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}}"#,
                              headDim: 128, maxPositions: 16384)
        let (scaled, attention) = r.frequencies(sequenceLength: 1)
        #expect(abs(attention - (0.1 * log(4.0) + 1)) < 1e-12)
        let plain = try Self.rope(#"{"rope_theta": 10000.0}"#, headDim: 128).frequencies(sequenceLength: 1).inverse
        #expect(abs(scaled[0] - plain[0]) < 1e-15, "fastest dimension extrapolates")
        #expect(abs(scaled[63] - plain[63] / 4) < 1e-18, "slowest dimension interpolates")
        // The correction range for these settings: floor(20.94...) = 20 and ceil(45.03...) = 46.
        #expect(abs(scaled[20] - plain[20]) < 1e-15 && abs(scaled[46] - plain[46] / 4) < 1e-18)
        #expect(scaled[30] < plain[30] && scaled[30] > plain[30] / 4)
    }

    @Test func dynamicScalesOnlyBeyondTheTrainedLength() throws {
        let r = try Self.rope(#"{"rope_theta": 10000.0, "rope_scaling": {"type": "dynamic", "factor": 2.0}}"#, maxPositions: 2048)
        let plain = try Self.rope(#"{"rope_theta": 10000.0}"#).frequencies(sequenceLength: 1).inverse
        #expect(r.frequencies(sequenceLength: 100).inverse == plain)
        let long = r.frequencies(sequenceLength: 4096).inverse
        let base = 10000 * pow(2.0 * 4096 / 2048 - 1, 64.0 / 62)
        #expect(abs(long[5] - pow(base, -10.0 / 64)) < 1e-15)
    }

    @Test func unknownTypesAreRefused() {
        #expect(throws: AlloyError.self) { try Self.rope(#"{"rope_scaling": {"rope_type": "longrope"}}"#) }
        #expect(throws: AlloyError.self) { try Self.rope(#"{"rope_scaling": {"rope_type": "linear"}}"#) }
    }
}
