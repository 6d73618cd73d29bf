@testable import AlloyFormat
@testable import AlloyModel
import AlloyTestSupport
import Foundation
import Testing

/// The decoder forward pass: against Transformers' own hidden states (committed reference), an
/// independent NumPy implementation, and the invariances a correct implementation has
/// (the routers merge-moe builds from it are checked in AlloyMoETests).
@Suite struct DecoderForwardTests {
    /// Every hidden state the pass reports, `[layer][sequence] → values (positions × hidden)`.
    static func allStates(_ forward: DecoderForward, _ sequences: [PaddedSequence]) throws -> [[[Float]]] {
        var out: [[[Float]]] = []
        try forward.run(sequences) { layer, states in
            #expect(layer == out.count)
            out.append((0..<sequences.count).map { s in
                (0..<states.lengths[s]).flatMap { Array(states.vector(sequence: s, position: $0)) }
            })
        }
        return out
    }

    static let referenceScript = TestPaths.packageRoot + "/Tests/Fixtures/inference/decoder_reference.py"

    static var numpyAvailable: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import numpy"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Runs the NumPy reference on `sequences`: `[layer][sequence] → values`.
    static func reference(model: String, _ sequences: [PaddedSequence]) throws -> [[[Double]]] {
        let request = "{\"sequences\": \(sequences.map(\.ids)), \"padding\": \(sequences.map(\.padding))}"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", referenceScript, model]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(request.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let json = try JSONParser.parse(String(decoding: data, as: UTF8.self))
        return (json["states"]?.arrayValue ?? []).map { layer in
            (layer.arrayValue ?? []).map { seq in
                (seq.arrayValue ?? []).flatMap { ($0.arrayValue ?? []).compactMap(\.doubleValue) }
            }
        }
    }

    @Test(.enabled(if: numpyAvailable), arguments: ["llama-base", "mistral-base", "qwen2-base"])
    func matchesIndependentNumPyReference(model: String) throws {
        let forward = try DecoderForward(modelDirectory: TestPaths.model(model))
        let sequences = [PaddedSequence(ids: [1, 45, 77, 12, 301, 8]), PaddedSequence(ids: [3, 3, 3, 1, 99, 250], padding: 3)]
        let ours = try Self.allStates(forward, sequences)
        let theirs = try Self.reference(model: TestPaths.model(model), sequences)
        #expect(ours.count == forward.config.numLayers + 1 && theirs.count == ours.count)
        for layer in 0..<min(ours.count, theirs.count) {
            for (s, seq) in sequences.enumerated() {
                let h = forward.config.hiddenSize
                // Padded positions' states depend on how a library treats fully masked rows; compare real tokens.
                let a = ours[layer][s].dropFirst(seq.padding * h), b = theirs[layer][s].dropFirst(seq.padding * h)
                #expect(a.count == b.count)
                let scale = b.map { abs($0) }.max() ?? 1
                let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * max(scale, 1), "\(model) layer \(layer) sequence \(s): max error \(worst) (scale \(scale))")
            }
        }
    }

    static let transformersReference = TestPaths.packageRoot + "/Tests/Fixtures/inference/transformers_reference.safetensors"

    /// Largest difference between our states and Transformers' over the real (unpadded) tokens of
    /// every depth, relative to the largest magnitude of Transformers' states at that depth; and the
    /// root-mean-square difference relative to the root-mean-square value, worst over depths.
    static func worstRelativeError(model: String, activationDType: DType?, referenceDType: String) throws -> (worst: Double, depth: Int, rms: Double) {
        let reference = try TensorStore(path: transformersReference)
        let ids = try reference.tensor("\(model)/input_ids"), padding = try reference.tensor("\(model)/padding").values.map { Int($0) }
        let states = try reference.tensor("\(model)/\(referenceDType)/hidden_states")  // [L + 1, S, T, H]
        let (depths, count, length, h) = (states.shape[0], states.shape[1], states.shape[2], states.shape[3])
        let sequences = (0..<count).map { s in
            PaddedSequence(ids: ids.values[(s * length)..<((s + 1) * length)].map { Int($0) }, padding: padding[s])
        }
        let forward = try DecoderForward(modelDirectory: TestPaths.model(model))
        forward.activationDType = activationDType
        #expect(forward.config.hiddenSize == h && forward.config.numLayers + 1 == depths)
        let ours = try allStates(forward, sequences)
        #expect(ours.count == depths)
        var worst = (0.0, 0), rms = 0.0
        for depth in 0..<min(depths, ours.count) {
            var error = 0.0, scale = 0.0, squaredError = 0.0, squares = 0.0
            for (s, seq) in sequences.enumerated() {
                for t in seq.padding..<length {
                    let base = ((depth * count + s) * length + t) * h
                    for i in 0..<h {
                        let theirs = Double(states.values[base + i]), mine = Double(ours[depth][s][t * h + i])
                        error = max(error, abs(mine - theirs))
                        scale = max(scale, abs(theirs))
                        squaredError += (mine - theirs) * (mine - theirs)
                        squares += theirs * theirs
                    }
                }
            }
            if error / max(scale, 1e-12) > worst.0 { worst = (error / max(scale, 1e-12), depth) }
            rms = max(rms, (squaredError / max(squares, 1e-24)).squareRoot())
        }
        return (worst.0, worst.1, rms)
    }

    /// Transformers' own hidden states (float32, eager attention, left-padded batch; made once by
    /// Fixtures/inference/make_transformers_reference.py and committed): ours agree to float32
    /// rounding at every depth.
    @Test(arguments: ["llama-base", "mistral-base", "qwen2-base"])
    func matchesTransformersFloat32HiddenStates(model: String) throws {
        let (worst, depth, _) = try Self.worstRelativeError(model: model, activationDType: nil, referenceDType: "float32")
        #expect(worst < 2e-5, "\(model): relative error \(worst) at depth \(depth)")
    }

    /// Against Transformers in bfloat16 (eager attention): with bf16 activation rounding the pass
    /// rounds where Transformers does and reproduces its states (bit for bit on this machine; the
    /// bound leaves room for one bf16 step, 2⁻⁸ of the scale, from another BLAS summation order),
    /// far closer than the pure float32 pass, which is a few bf16 steps off.
    @Test(arguments: ["llama-base", "mistral-base", "qwen2-base"])
    func reproducesTransformersBFloat16HiddenStates(model: String) throws {
        let rounded = try Self.worstRelativeError(model: model, activationDType: .BF16, referenceDType: "bfloat16")
        let plain = try Self.worstRelativeError(model: model, activationDType: nil, referenceDType: "bfloat16")
        #expect(rounded.worst <= 1.0 / 256, "\(model): relative error \(rounded.worst) at depth \(rounded.depth)")
        #expect(rounded.rms <= plain.rms / 4, "\(model): RMS error with bf16 rounding \(rounded.rms), float32 \(plain.rms)")
    }

    @Test func leftPaddingDoesNotChangeRealTokens() throws {
        let forward = try DecoderForward(modelDirectory: TestPaths.model("llama-base"))
        let ids = [1, 20, 30, 40, 50]
        let plain = try Self.allStates(forward, [PaddedSequence(ids: ids)])
        let padded = try Self.allStates(forward, PaddedSequence.leftPadded([ids, [1, 2, 3, 4, 5, 6, 7, 8]], padId: 1))
        let h = forward.config.hiddenSize
        for layer in plain.indices {
            let a = plain[layer][0], b = Array(padded[layer][0].dropFirst(3 * h))
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "layer \(layer): \(worst)")
        }
    }

    @Test func reportsTheRequestedDepthsOnly() throws {
        let forward = try DecoderForward(modelDirectory: TestPaths.model("llama-base"))
        var seen: [Int] = []
        try forward.run([PaddedSequence(ids: [1, 2, 3])], upTo: 2) { layer, _ in seen.append(layer) }
        #expect(seen == [0, 1, 2])
    }

    @Test func rejectsTokensOutsideTheVocabulary() throws {
        let forward = try DecoderForward(modelDirectory: TestPaths.model("llama-base"))
        #expect(throws: AlloyError.self) { try forward.run([PaddedSequence(ids: [1, 400])]) { _, _ in } }
    }
}
