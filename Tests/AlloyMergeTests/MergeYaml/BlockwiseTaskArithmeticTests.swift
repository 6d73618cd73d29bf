@testable import AlloyFormat
@testable import AlloyMath
@testable import AlloyMerge
import AlloyTestSupport
import Foundation
import Testing

/// The task-arithmetic family merged in blocks (thresholds, rescale norms and random
/// masks gathered in streaming passes) must give, bit for bit, what merging whole
/// tensors gives under the same tie rule. Blocks are forced small (15 rows of the
/// fixture models' 64 columns), so every tensor spans several blocks that start in
/// the middle of random-mask chunks and of tied magnitude groups.
@Suite struct BlockwiseTaskArithmeticTests {
    static func config(_ method: String, _ parameters: String, global: String = "", dtype: String = "bfloat16") -> String {
        """
        merge_method: \(method)
        base_model: MODELS/llama-base
        models:
          - {model: MODELS/llama-ft1, parameters: {weight: 0.6, \(parameters)}}
          - {model: MODELS/llama-ft2, parameters: {weight: 0.5, \(parameters)}}
        \(global.isEmpty ? "" : "parameters: {\(global)}")
        dtype: \(dtype)
        """
    }

    static let configs = [
        config("ties", "density: 0.5"),
        config("ties", "density: 0.3", global: "rescale: true, normalize: false", dtype: "float32"),
        config("breadcrumbs", "density: 0.6, gamma: 0.05", global: "rescale: true"),
        config("breadcrumbs_ties", "density: 0.5, gamma: 0.1", dtype: "float16"),
        config("dare_ties", "density: 0.4"),
        config("dare_linear", "density: 0.7", global: "lambda: 0.8"),
        config("della", "density: 0.5, epsilon: 0.1"),
        config("della_linear", "density: 0.4, epsilon: 0.2", dtype: "float32"),
        config("task_arithmetic", "density: 1", global: "normalize: true, lambda: 1.5"),
    ]

    @Test(arguments: configs)
    func blocksMatchWholeTensors(_ yaml: String) throws {
        let config = try MergeConfigurationParser.parse(yaml.replacingOccurrences(of: "MODELS", with: TestPaths.sharedFixtures + "/models"))
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var outputs: [TensorStore] = []
        for (i, block) in [1 << 30, 1000].enumerated() {
            var job = MergeJob(outputPath: "\(dir)/out\(i)")
            job.writeModelCard = false
            job.executor = MergeExecutor(threads: 2, blockElements: block)
            var plan = try job.plan(config)
            // Both runs use the streaming tie rule (index order), which the fixtures' small tensors would otherwise replay.
            var method = try #require(plan.method as? TaskArithmeticFamily)
            method.exactTieLimit = 0
            plan.method = method
            _ = try job.run(plan)
            outputs.append(try TensorStore(path: "\(dir)/out\(i)"))
        }
        #expect(outputs[0].names.sorted() == outputs[1].names.sorted())
        var streamed = 0
        for name in outputs[0].names {
            let a = try outputs[0].bytes(name), b = try outputs[1].bytes(name)
            #expect(a.elementsEqual(b), "\(name) differs when merged in blocks")
            if (outputs[0].info(name)?.shape.reduce(1, *) ?? 0) > 1000 { streamed += 1 }
        }
        #expect(streamed > 0)
    }

    /// Streaming a tensor changes only which of the elements tied at a threshold are kept,
    /// so with the default (replaying) limit the small fixtures are untouched, and the
    /// number of kept entries is exact either way.
    @Test func streamingTieRuleKeepsExactCounts() throws {
        var rng = SeededRandom(seed: 5)
        let n = 10_000
        // Few distinct magnitudes: every threshold cuts through a large tied group.
        let values: [Float] = (0..<n).map { _ in Float(Int(rng.next() % 9) - 4) * 0.25 }
        for (kind, density, gamma) in [(Sparsification.magnitude, 0.37, 0.0), (.magnitudeOutliers, 0.4, 0.15)] {
            let settings = Sparsification.Settings(density: density, gamma: gamma)
            var whole = values, blocked = values
            var a = try #require(try TaskVectorSparsifier(kind, settings: settings, count: n, replay: false,
                                                         stream: RandomMaskStream(seed: 0, tensor: "t", model: 0), precision: .exact))
            var b = a
            run(&a, &whole, block: n)
            run(&b, &blocked, block: 333)
            let sameInBlocks = whole == blocked
            #expect(sameInBlocks, "\(kind): blocks of 333 keep other elements than one block")
            let target = Int(density * Double(n))
            // Kept non-zeros: exactly the target count minus the zeros that fall in the kept range.
            let keptMagnitudes = whole.filter { $0 != 0 }.map(abs).sorted()
            let reference = values.map(abs).sorted()
            let top = kind == .magnitude ? 0 : Int(gamma * Double(n))
            let range = (n - target - top)..<(n - top)
            let exact = keptMagnitudes == reference[range].filter { $0 != 0 }
            #expect(exact, "\(kind): kept \(keptMagnitudes.count) non-zero magnitudes, not ranks \(range)")
            // Among tied magnitudes the streaming rule keeps in index order: descending (TIES)
            // keeps the lowest indices at its threshold.
            if kind == .magnitude {
                let threshold = reference[n - target]
                let tied = values.indices.filter { abs(values[$0]) == threshold }
                let kept = tied.filter { whole[$0] != 0 }
                let lowestFirst = kept == Array(tied.prefix(kept.count))
                #expect(lowestFirst, "tied elements kept: \(kept.count) of \(tied.count), not the lowest indices")
            }
        }
    }

    func run(_ s: inout TaskVectorSparsifier, _ v: inout [Float], block: Int) {
        var scratch = [Float](repeating: 0, count: 3 * block)
        scratch.withUnsafeMutableBufferPointer { scratch in
            while let stage = s.stage {
                for start in stride(from: 0, to: v.count, by: block) {
                    var part = Array(v[start..<min(v.count, start + block)])
                    part.withUnsafeMutableBufferPointer { s.gather(stage, $0, offset: start, shape: [$0.count], scratch: scratch) }
                }
                s.finishPass(stage)
            }
            s.restart()
            for start in stride(from: 0, to: v.count, by: block) {
                let end = min(v.count, start + block)
                v.withUnsafeMutableBufferPointer { all in
                    s.apply(to: UnsafeMutableBufferPointer(rebasing: all[start..<end]), offset: start, shape: [end - start], scratch: scratch)
                }
            }
        }
    }

    /// The fused random keep (integer threshold, no stored uniforms) keeps exactly what
    /// drawing the uniforms and comparing them with the probability keeps, from any offset.
    @Test(arguments: [Float(0.4), 0.5, 0.9999999, 1e-7, 0, 1])
    func fusedRandomKeepMatchesUniforms(_ p: Float) {
        let stream = RandomMaskStream(seed: 7, tensor: "w", model: 1)
        for (offset, count) in [(0, 8200), (3, 13), (4093, 29), (4101, 9000), (12_288, 4096)] {
            let values = (0..<count).map { Float($0 % 17) - 8.5 }
            var fused = values, reference = values
            var u = [Float](repeating: 0, count: count)
            u.withUnsafeMutableBufferPointer { stream.uniforms(from: offset, into: $0) }
            reference.withUnsafeMutableBufferPointer { v in
                u.withUnsafeBufferPointer { RandomMaskStream.keep(v, uniforms: $0, probability: p) }
            }
            fused.withUnsafeMutableBufferPointer { stream.keep($0, from: offset, probability: p) }
            #expect(fused.map(\.bitPattern) == reference.map(\.bitPattern), "offset \(offset), count \(count)")
        }
    }
}
