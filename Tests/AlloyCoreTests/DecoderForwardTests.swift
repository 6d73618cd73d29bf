import Foundation
import Testing
@testable import AlloyCore

/// The decoder forward pass: against an independent NumPy implementation, against
/// mergekit-moe's hidden-state routers (computed by Transformers in bf16), and
/// the invariances a correct implementation has.
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

    static let referenceScript = TestPaths.packageRoot + "/Tests/AlloyCoreTests/Fixtures/inference/decoder_reference.py"

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

    /// mergekit-moe's routers for the hidden-gate case are unit vectors of the base
    /// model's (bf16, Transformers) hidden states: ours must point the same way.
    @Test func hiddenRoutersMatchMergekitReference() throws {
        let base = TestPaths.model("llama-base")
        let config = try MoEConfig(file: TestPaths.sharedFixtures + "/cases/moe-2exp-hidden.yml")
        let tokenizer = try PromptTokenizer(modelDirectory: base)
        let forward = try DecoderForward(modelDirectory: base)
        let routers = try RouterBuilder.hidden(forward, experts: try tokenizer.tokenize(config.experts),
                                               padId: tokenizer.padId, average: false)
        let reference = try TensorStore(path: TestPaths.sharedFixtures + "/refs/moe-2exp-hidden")
        for layer in 0..<routers.layers {
            let ref = try reference.tensor("model.layers.\(layer).mlp.gate.weight").values
            let ours = routers.rows(layer: layer, 0..<routers.experts)
            for e in 0..<routers.experts {
                let a = ours[(e * 64)..<((e + 1) * 64)], b = ref[(e * 64)..<((e + 1) * 64)]
                let dot = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
                let nb = b.map { Double($0 * $0) }.reduce(0, +).squareRoot()
                #expect(dot / nb > 0.9999, "layer \(layer) expert \(e): cosine \(dot / nb)")
            }
        }
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
