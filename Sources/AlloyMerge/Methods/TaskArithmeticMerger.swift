import AlloyFormat
/// One tensor's task-arithmetic merge, fed block by block (or as one block holding
/// the whole tensor): gathering passes until every model's sparsifier has its
/// statistics, then each block's task vectors are masked, weighted and combined.
final class TaskArithmeticMerger: BlockwiseMerger {
    /// A model that contributes a task vector.
    struct Participant {
        /// Index in the block request's `models`.
        var position: Int
        var weight: Float
        var sparsifier: TaskVectorSparsifier?
    }

    let precision: WorkingPrecision
    let consensus: Bool
    let finish: TaskVectorKernels.Finish
    private(set) var participants: [Participant]
    /// Each participant's pass in progress (nil: nothing to gather).
    private var stages: [TaskVectorSparsifier.Stage?] = []
    /// Per participant one block of task vector, then three blocks of scratch space.
    private var storage = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var capacity = 0

    /// - Parameters:
    ///   - method: the variant.
    ///   - header: the request (its tensors are not read); `positions` are the indexes of the
    ///     models that contribute, `streams` their random streams.
    ///   - count: elements in the whole tensor.
    ///   - replay: select magnitude ranks as PyTorch's sort does (the tensor then comes as one block).
    init(method: TaskArithmeticFamily, header: MergeRequest, positions: [Int], streams: [Int], count: Int, replay: Bool) throws {
        precision = header.precision
        consensus = method.signConsensus
        let name = header.outputName
        let normalize = try header.flag("normalize", default: method.defaultNormalize)
        let rescale = try header.flag("rescale", default: method.defaultRescale)
        let lambda = try header.number("lambda", default: 1)
        _ = try header.flag("int8_mask", default: false) // memory-only option in mergekit: no numeric effect
        var participants: [Participant] = []
        for (position, stream) in zip(positions, streams) {
            let input = header.models[position]
            let weight = precision.round(Float(try input.requiredNumber("weight", method: method.name, tensor: name)))
            var sparsifier: TaskVectorSparsifier?
            if let kind = method.sparsification {
                let settings = Sparsification.Settings(
                    density: try input.number("density", default: 1, tensor: name),
                    gamma: try input.number("gamma", default: 0.01, tensor: name),
                    epsilon: try input.number("epsilon", default: 0.15, tensor: name),
                    rescale: rescale)
                do {
                    sparsifier = try TaskVectorSparsifier(kind, settings: settings, count: count, replay: replay,
                                                          stream: RandomMaskStream(seed: header.seed, tensor: name, model: stream),
                                                          precision: precision)
                } catch let error as AlloyError {
                    throw AlloyError(error.category, code: error.code, "\(error.message) (model \(input.model), tensor \(name))", hint: error.hint)
                }
            }
            participants.append(Participant(position: position, weight: weight, sparsifier: sparsifier))
        }
        self.participants = participants
        var divisor = precision.round(participants.reduce(Float(0)) { $0 + $1.weight })
        if abs(divisor) < 1e-8 { divisor = 1 }
        finish = TaskVectorKernels.Finish(normalize: normalize, lambda: lambda == 1 ? nil : Float(lambda), divisor: divisor)
    }

    deinit { storage.deallocate() }

    func beginPass() throws -> Bool {
        for i in participants.indices {
            if let stage = stages.isEmpty ? nil : stages[i] { participants[i].sparsifier?.finishPass(stage) }
            participants[i].sparsifier?.restart()
        }
        stages = participants.map { $0.sparsifier?.stage }
        return stages.contains { $0 != nil }
    }

    func gather(_ block: MergeBlock) throws {
        let (base, shape) = try baseTensor(block)
        reserve(base.count)
        let s = scratch(base.count)
        for i in participants.indices {
            guard let stage = stages[i] else { continue }
            let d = try delta(i, block, base)
            participants[i].sparsifier?.gather(stage, d, offset: block.elementOffset, shape: shape, scratch: s)
        }
    }

    func produce(_ block: MergeBlock) throws -> Tensor {
        let (base, shape) = try baseTensor(block)
        let n = base.count
        if participants.isEmpty { return base }
        reserve(n)
        let s = scratch(n)
        var weighted: [UnsafeMutableBufferPointer<Float>] = []
        for i in participants.indices {
            let d = try delta(i, block, base)
            participants[i].sparsifier?.apply(to: d, offset: block.elementOffset, shape: shape, scratch: s)
            let factor = participants[i].sparsifier?.factor, weight = participants[i].weight
            // A weight of 1 without a factor leaves the (already rounded) task vector as it is.
            if factor != nil || weight != 1 {
                TaskVectorKernels.weigh(d, factor: factor, weight: weight, precision)
            }
            weighted.append(d)
        }
        // Every element is written by the combining loop.
        var out = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
        let weights = participants.map(\.weight)
        out.withUnsafeMutableBufferPointer { o in
            base.values.withUnsafeBufferPointer { b in
                if consensus {
                    TaskVectorKernels.consensus(weighted, weights: weights, base: b, into: o, finish: finish, scratch: s, precision)
                } else {
                    TaskVectorKernels.sum(weighted, base: b, into: o, finish: finish, precision)
                }
            }
        }
        return Tensor(shape: shape, values: out)
    }

    /// Merges a whole tensor given as one block.
    func mergeWhole(_ request: MergeRequest) throws -> Tensor {
        let block = MergeBlock(whole: request)
        while try beginPass() { try gather(block) }
        return try produce(block)
    }

    private func baseTensor(_ block: MergeBlock) throws -> (Tensor, [Int]) {
        guard let base = block.request.base?.tensor else {
            throw AlloyError(.mismatch, code: "missing_base_tensor", "tensor \(block.request.outputName): the base model does not have it")
        }
        return (base, base.shape)
    }

    /// Sizes the buffers for blocks of `n` elements.
    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        storage.deallocate()
        capacity = n
        storage = .allocate(capacity: (participants.count + 3) * n)
        storage.initialize(repeating: 0)
    }

    /// Three blocks of scratch space.
    private func scratch(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
        let start = participants.count * capacity
        return UnsafeMutableBufferPointer(rebasing: storage[start..<(start + 3 * n)])
    }

    /// Participant `i`'s task vector for the block, computed into its buffer.
    private func delta(_ i: Int, _ block: MergeBlock, _ base: Tensor) throws -> UnsafeMutableBufferPointer<Float> {
        let input = block.request.models[participants[i].position]
        let n = base.count
        guard input.tensor.count == n else {
            throw AlloyError(.mismatch, code: "shape_mismatch",
                             "tensor \(block.request.outputName): model \(input.model) has shape \(input.tensor.shape), the base \(base.shape)")
        }
        let d = UnsafeMutableBufferPointer(rebasing: storage[(i * capacity)..<(i * capacity + n)])
        let exact = input.exactDType.map { WorkingPrecision($0) == precision } ?? false
        input.tensor.values.withUnsafeBufferPointer { x in
            base.values.withUnsafeBufferPointer { b in TaskVectorKernels.taskVector(x, b, into: d, xIsExact: exact, precision) }
        }
        return d
    }
}
