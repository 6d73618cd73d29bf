@testable import AlloyFormat
@testable import AlloyMerge
import AlloyTestSupport
import Foundation
import Testing

/// Merging in blocks must give exactly what merging whole tensors gives.
@Suite struct BlockwiseExecutionTests {
    static let configs = [
        "merge_method: linear\nmodels:\n  - {model: MODELS/llama-ft1-fp16, parameters: {weight: 0.3}}\n  - {model: MODELS/llama-ft2, parameters: {weight: 0.6}}\ndtype: bfloat16\nout_dtype: float16\n",
        "merge_method: slerp\nbase_model: MODELS/llama-base\nmodels: [{model: MODELS/llama-base}, {model: MODELS/llama-ft1}]\nparameters: {t: [0.1, 0.9]}\ndtype: bfloat16\n",
        "merge_method: linear\nmodels:\n  - {model: MODELS/llama-ft1, parameters: {weight: 1}}\n  - {model: MODELS/llama-ft3-chatml, parameters: {weight: 1}}\n",
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
            _ = try job.run(try job.plan(config))
            outputs.append(try TensorStore(path: "\(dir)/out\(i)"))
        }
        #expect(outputs[0].names.sorted() == outputs[1].names.sorted())
        for name in outputs[0].names {
            let a = try outputs[0].bytes(name), b = try outputs[1].bytes(name)
            #expect(outputs[0].info(name)?.dtype == outputs[1].info(name)?.dtype)
            #expect(a.elementsEqual(b), "\(name) differs when merged in blocks")
        }
    }
}
