@testable import AlloyFormat
@testable import AlloyMerge
import Foundation

/// Small builders for merge requests in unit tests.
enum MT {
    static func input(_ model: String, _ values: [Float], shape: [Int]? = nil, _ params: [String: ParameterValue] = [:]) -> MergeInput {
        MergeInput(model: model, tensor: Tensor(shape: shape ?? [values.count], values: values), parameters: params)
    }

    static func request(base: MergeInput?, models: [MergeInput], global: [String: ParameterValue] = [:],
                        name: String = "t", embedding: Bool = false, dtype: DType? = nil, seed: UInt64 = 0) -> MergeRequest {
        MergeRequest(outputName: name, isEmbedding: embedding, base: base, models: models, global: global, seed: seed, workingDType: dtype)
    }

    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }
}
