import AlloyFormat
import AlloyMath
import Foundation

/// Runs a `MergePlan`: each output tensor is loaded from the memory-mapped inputs,
/// transformed, merged and written as soon as it is done, several tensors at a
/// time on worker threads, within a memory budget.
public struct MergeExecutor: Sendable {
    /// Worker threads (output tensors in parallel).
    public var threads: Int
    /// Seed for randomised methods.
    public var seed: UInt64
    /// Bytes of decoded tensors the workers may hold together.
    public var memoryBudget: Int
    /// Tensors with more elements than this are merged in blocks of this many elements
    /// when the method allows it (1 MB of `Float` by default: small enough that a block and
    /// its temporaries stay in cache between the passes of a fused merge).
    public var blockElements: Int

    public init(threads: Int = Parallel.defaultThreads, seed: UInt64 = 0, memoryBudget: Int = 640_000_000,
                blockElements: Int = 1 << 18) {
        self.threads = max(1, threads)
        self.seed = seed
        self.memoryBudget = memoryBudget
        self.blockElements = max(1, blockElements)
    }

    /// Produces every tensor of `plan` into `writer`; `progress` is called after each.
    public func run(_ plan: MergePlan, writer: ShardedWriter, progress: (@Sendable () -> Void)? = nil) throws {
        AllocatorTuning.reuseLargeBuffers()
        let budget = MemoryBudget(bytes: memoryBudget)
        let workers = min(threads, max(plan.tensors.count, 1))
        if workers > 1 { BLASRuntime.setThreads(1) }
        defer { if workers > 1 { BLASRuntime.setThreads(Parallel.defaultThreads) } }
        // Largest tensors first, so no worker is left alone with a big one at the end.
        let order = plan.tensors.indices.sorted { plan.tensors[$0].spec.elementCount > plan.tensors[$1].spec.elementCount }
        try Parallel.forEach(plan.tensors.count, threads: workers) { i in
            let tensor = plan.tensors[order[i]]
            var done = false
            if let method = blockwiseMethod(for: tensor, plan: plan, workers: workers) {
                let reserved = budget.acquire(blockwiseBytes(tensor))
                defer { budget.release(reserved) }
                done = try produceBlockwise(tensor, method: method, plan: plan, writer: writer)
            }
            if !done {
                let reserved = budget.acquire(MergeExecutor.workingBytes(tensor))
                defer { budget.release(reserved) }
                try produce(tensor, plan: plan, writer: writer)
            }
            progress?()
        }
    }

    /// Rough peak bytes while producing `tensor`: the decoded inputs, the result and one temporary.
    static func workingBytes(_ tensor: TensorPlan) -> Int {
        let elements = tensor.inputs.map { $0.shape.reduce(1, *) }.max() ?? 0
        return elements * 4 * (tensor.inputs.count + 2)
    }

    /// Makes one output tensor and writes it.
    public func produce(_ tensor: TensorPlan, plan: MergePlan, writer: ShardedWriter) throws {
        let sources = tensor.inputs.map { plan.models[$0.model].source }
        defer { for (s, input) in zip(sources, tensor.inputs) { s.release(input.tensor) } }
        if tensor.copiesRaw {
            guard let store = sources[0] as? TensorStore else {
                throw AlloyError(.unsupported, code: "unsupported_dtype", "\(tensor.name): cannot copy a \(tensor.outputDType.rawValue) tensor from \(sources[0].location)")
            }
            try writer.write(tensor.name, bytes: try store.bytes(tensor.inputs[0].tensor))
            return
        }
        var base: MergeInput?
        var models: [MergeInput] = []
        let baseSeparate = plan.method.baseRole != .input
        let transformed = plan.transforms.contains { $0.applies(to: tensor.name) }
        for (input, source) in zip(tensor.inputs, sources) {
            var loaded = try source.tensor(input.tensor)
            if let dtype = plan.configuration.dtype, dtype != input.dtype {
                ElementCodec.roundTrip(&loaded.values, through: dtype)
            }
            // Values read from a store are exact in their dtype (or the configured one they were
            // rounded to); an adapter folded in or a transform may compute values that are not.
            let exact = transformed || !(source is TensorStore) ? nil : plan.configuration.dtype ?? input.dtype
            let m = MergeInput(model: input.modelName, tensor: loaded, parameters: input.parameters, exactDType: exact)
            if input.isBase && baseSeparate { base = m } else { models.append(m) }
        }
        for transform in plan.transforms where transform.applies(to: tensor.name) {
            (base, models) = try transform.transform(tensor.name, base: base, models: models)
        }
        base = try base.map { try cut($0, to: tensor.shape, name: tensor.name) }
        models = try models.map { try cut($0, to: tensor.shape, name: tensor.name) }
        let request = MergeRequest(outputName: tensor.name, isEmbedding: tensor.isEmbedding, isOptional: tensor.isOptional,
                                   base: base, models: models, global: tensor.global, seed: seed, workingDType: tensor.workingDType)
        base = nil
        models = []
        guard var result = try plan.method.merge(request) else {
            throw AlloyError(.invalidData, code: "no_result", "\(tensor.name): \(plan.method.name) produced no tensor")
        }
        guard result.shape == tensor.shape else {
            throw AlloyError(.invalidData, code: "shape_mismatch",
                             "\(tensor.name): \(plan.method.name) produced shape \(result.shape), planned \(tensor.shape)")
        }
        // mergekit rounds the result to its own dtype before casting to out_dtype.
        if tensor.resultDType != tensor.outputDType {
            ElementCodec.roundTrip(&result.values, through: tensor.resultDType)
        }
        try writer.write(tensor.name, values: result.values)
    }

    /// The top-left block of `input` with `shape` (vocabulary rows and columns beyond it dropped).
    func cut(_ input: MergeInput, to shape: [Int], name: String) throws -> MergeInput {
        let t = input.tensor
        if t.shape == shape { return input }
        guard t.shape.count == 2, shape.count == 2, t.shape[0] >= shape[0], t.shape[1] >= shape[1] else {
            throw AlloyError(.mismatch, code: "shape_mismatch", "\(name): \(input.model) has shape \(t.shape), expected \(shape)")
        }
        var values = [Float](repeating: 0, count: shape[0] * shape[1])
        for r in 0..<shape[0] {
            let src = r * t.shape[1], dst = r * shape[1]
            values[dst..<(dst + shape[1])] = t.values[src..<(src + shape[1])]
        }
        var out = input
        out.tensor = Tensor(shape: shape, values: values)
        return out
    }
}
