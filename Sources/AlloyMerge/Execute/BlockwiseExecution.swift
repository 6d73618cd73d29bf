import AlloyFormat
/// Merging one large tensor block by block (for `BlockwiseMergeMethod`s): rows are
/// decoded straight from the memory-mapped inputs, their pages dropped once used,
/// and each merged block is written at its place in the output file.
extension MergeExecutor {
    /// The method, when `tensor` should stream and nothing needs it whole. A tensor streams
    /// when it spans more than one block, or when merging it whole would take more than one
    /// worker's share of the memory budget.
    func blockwiseMethod(for tensor: TensorPlan, plan: MergePlan, workers: Int) -> (any BlockwiseMergeMethod)? {
        guard let method = plan.method as? any BlockwiseMergeMethod, !tensor.copiesRaw,
              tensor.spec.elementCount > blockElements || MergeExecutor.workingBytes(tensor) > memoryBudget / max(workers, 1),
              !plan.transforms.contains(where: { $0.applies(to: tensor.name) }),
              tensor.inputs.allSatisfy({ plan.models[$0.model].source is TensorStore && !$0.shape.isEmpty })
        else { return nil }
        return method
    }

    /// Peak bytes of a streamed tensor: per input one decoded block and one derived block
    /// (a task vector, say), plus the result and a few temporaries.
    func blockwiseBytes(_ tensor: TensorPlan) -> Int { blockElements * 4 * (2 * tensor.inputs.count + 4) }

    /// Merges `tensor` block by block: the merger's gathering passes over every block, then
    /// one producing pass that writes each block at its place. Returns false, having
    /// written nothing, when the method wants this tensor whole.
    func produceBlockwise(_ tensor: TensorPlan, method: any BlockwiseMergeMethod, plan: MergePlan, writer: ShardedWriter) throws -> Bool {
        let rows = tensor.shape[0]
        let columns = tensor.shape.dropFirst().reduce(1, *)
        guard let merger = try method.blockwiseMerger(shape: tensor.shape, header: header(tensor, plan: plan)) else { return false }
        let blockRows = max(1, blockElements / max(columns, 1))
        let blocks = stride(from: 0, to: rows, by: blockRows).map { $0..<min(rows, $0 + blockRows) }
        func block(_ r: Range<Int>) throws -> MergeBlock {
            MergeBlock(rows: r, elementOffset: r.lowerBound * columns, request: try request(tensor, rows: r, plan: plan))
        }
        while try merger.beginPass() {
            for r in blocks { try merger.gather(try block(r)) }
        }
        for r in blocks {
            var result = try merger.produce(try block(r))
            let expected = [r.count] + tensor.shape.dropFirst()
            guard result.shape == expected else {
                throw AlloyError(.invalidData, code: "shape_mismatch",
                                 "\(tensor.name): \(plan.method.name) produced a block of shape \(result.shape), expected \(expected)")
            }
            if tensor.resultDType != tensor.outputDType { ElementCodec.roundTrip(&result.values, through: tensor.resultDType) }
            try result.values.withUnsafeBufferPointer {
                try writer.write(tensor.name, elementOffset: r.lowerBound * columns, values: $0)
            }
        }
        return true
    }

    /// The request of `tensor` with inputs that hold no rows (names, parameters, dtype).
    func header(_ tensor: TensorPlan, plan: MergePlan) -> MergeRequest {
        var base: MergeInput?
        var models: [MergeInput] = []
        let baseSeparate = plan.method.baseRole != .input
        let empty = Tensor(shape: [0] + tensor.shape.dropFirst(), values: [])
        for input in tensor.inputs {
            let m = MergeInput(model: input.modelName, tensor: empty, parameters: input.parameters)
            if input.isBase && baseSeparate { base = m } else { models.append(m) }
        }
        return MergeRequest(outputName: tensor.name, isEmbedding: tensor.isEmbedding, isOptional: tensor.isOptional,
                            base: base, models: models, global: tensor.global, seed: seed, workingDType: tensor.workingDType)
    }

    /// The merge request for rows `rows` of `tensor`.
    func request(_ tensor: TensorPlan, rows: Range<Int>, plan: MergePlan) throws -> MergeRequest {
        var base: MergeInput?
        var models: [MergeInput] = []
        let baseSeparate = plan.method.baseRole != .input
        for input in tensor.inputs {
            let store = plan.models[input.model].source as! TensorStore
            let (values, exact) = try readRows(store, input: input, rows: rows, outputShape: tensor.shape, dtype: plan.configuration.dtype)
            let m = MergeInput(model: input.modelName, tensor: values, parameters: input.parameters, exactDType: exact)
            if input.isBase && baseSeparate { base = m } else { models.append(m) }
        }
        return MergeRequest(outputName: tensor.name, isEmbedding: tensor.isEmbedding, isOptional: tensor.isOptional,
                            base: base, models: models, global: tensor.global, seed: seed, workingDType: tensor.workingDType)
    }

    /// Decodes rows `rows` of `input` (cut to the output's columns), rounded to `dtype` when set;
    /// also returns the dtype the values are then exact in.
    func readRows(_ store: TensorStore, input: PlannedInput, rows: Range<Int>, outputShape: [Int], dtype: DType?) throws -> (Tensor, DType) {
        guard let info = store.info(input.tensor) else { throw store.missing(input.tensor) }
        let inColumns = info.shape.dropFirst().reduce(1, *)
        let outColumns = outputShape.dropFirst().reduce(1, *)
        let width = info.dtype.bitWidth / 8
        let raw = try store.bytes(input.tensor)
        let start = rows.lowerBound * inColumns * width, end = rows.upperBound * inColumns * width
        var values = ElementCodec.decode(UnsafeRawBufferPointer(rebasing: raw[start..<end]), dtype: info.dtype,
                                         count: rows.count * inColumns)
        store.file(of: input.tensor)?.release(TensorInfo(name: info.name, dtype: info.dtype, shape: info.shape,
                                                         begin: info.begin + start, end: info.begin + end))
        if inColumns != outColumns {
            var cut = [Float](repeating: 0, count: rows.count * outColumns)
            for r in 0..<rows.count {
                cut[(r * outColumns)..<((r + 1) * outColumns)] = values[(r * inColumns)..<(r * inColumns + outColumns)]
            }
            values = cut
        }
        if let dtype, dtype != info.dtype { ElementCodec.roundTrip(&values, through: dtype) }
        return (Tensor(shape: [rows.count] + outputShape.dropFirst(), values: values), dtype ?? info.dtype)
    }
}
