/// Merging one large tensor block by block (for `BlockwiseMergeMethod`s): rows are
/// decoded straight from the memory-mapped inputs, their pages dropped once used,
/// and each merged block is written at its place in the output file.
extension MergeExecutor {
    /// The method, when `tensor` is large enough to stream and nothing needs it whole.
    func blockwiseMethod(for tensor: TensorPlan, plan: MergePlan) -> (any BlockwiseMergeMethod)? {
        guard let method = plan.method as? any BlockwiseMergeMethod, !tensor.copiesRaw,
              tensor.spec.elementCount > blockElements,
              !plan.transforms.contains(where: { $0.applies(to: tensor.name) }),
              tensor.inputs.allSatisfy({ plan.models[$0.model].source is TensorStore && !$0.shape.isEmpty })
        else { return nil }
        return method
    }

    /// Peak bytes of a streamed tensor: one block per input, the result and one temporary.
    func blockwiseBytes(_ tensor: TensorPlan) -> Int { blockElements * 4 * (tensor.inputs.count + 2) }

    func produceBlockwise(_ tensor: TensorPlan, method: any BlockwiseMergeMethod, plan: MergePlan, writer: ShardedWriter) throws {
        let rows = tensor.shape[0]
        let columns = tensor.shape.dropFirst().reduce(1, *)
        let blockRows = max(1, blockElements / max(columns, 1))
        let blocks = stride(from: 0, to: rows, by: blockRows).map { $0..<min(rows, $0 + blockRows) }
        var sums = [Double](repeating: 0, count: method.sumCount)
        if method.sumCount > 0 {
            for block in blocks {
                method.accumulate(try request(tensor, rows: block, plan: plan), into: &sums)
            }
        }
        for block in blocks {
            var result = try method.merge(block: try request(tensor, rows: block, plan: plan), sums: sums)
            let expected = [block.count] + tensor.shape.dropFirst()
            guard result.shape == expected else {
                throw AlloyError(.invalidData, code: "shape_mismatch",
                                 "\(tensor.name): \(plan.method.name) produced a block of shape \(result.shape), expected \(expected)")
            }
            if tensor.resultDType != tensor.outputDType { ElementCodec.roundTrip(&result.values, through: tensor.resultDType) }
            try result.values.withUnsafeBufferPointer {
                try writer.write(tensor.name, elementOffset: block.lowerBound * columns, values: $0)
            }
        }
    }

    /// The merge request for rows `rows` of `tensor`.
    func request(_ tensor: TensorPlan, rows: Range<Int>, plan: MergePlan) throws -> MergeRequest {
        var base: MergeInput?
        var models: [MergeInput] = []
        let baseSeparate = plan.method.baseRole != .input
        for input in tensor.inputs {
            let store = plan.models[input.model].source as! TensorStore
            let values = try readRows(store, input: input, rows: rows, outputShape: tensor.shape, dtype: plan.configuration.dtype)
            let m = MergeInput(model: input.modelName, tensor: values, parameters: input.parameters)
            if input.isBase && baseSeparate { base = m } else { models.append(m) }
        }
        return MergeRequest(outputName: tensor.name, isEmbedding: tensor.isEmbedding, isOptional: tensor.isOptional,
                            base: base, models: models, global: tensor.global, seed: seed, workingDType: tensor.workingDType)
    }

    /// Decodes rows `rows` of `input` (cut to the output's columns), rounded to the working dtype.
    func readRows(_ store: TensorStore, input: PlannedInput, rows: Range<Int>, outputShape: [Int], dtype: DType?) throws -> Tensor {
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
        return Tensor(shape: [rows.count] + outputShape.dropFirst(), values: values)
    }
}
