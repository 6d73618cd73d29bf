import AlloyFormat
import AlloyModel
/// Plans single output tensors: finds each source model's input tensor, resolves
/// parameters, and decides shape and dtypes from the safetensors headers.
struct TensorContext {
    let config: MergeConfiguration
    let method: any MergeMethod
    let models: [InputModel]
    let transforms: [any InputTransform]

    func plan(name: String, position: TensorPlan.Position, slice: MergePlanner.Slice, sliceIndex: Int, t: Double,
              inputName: (Int, MergePlanner.Source) -> String, warnings: inout [String]) throws -> TensorPlan? {
        let isHead = ModelLayout.isHead(name)
        let isEmbedding = ModelLayout.isEmbedding(name)
        var found: [(MergePlanner.Source, String, TensorInfo)] = []
        var missing: [(MergePlanner.Source, String)] = []
        for src in slice.sources {
            let model = models[src.model]
            let wanted = inputName(src.model, src)
            if let info = model.source.info(wanted) {
                found.append((src, wanted, info))
            } else if isHead, let embedding = model.layout.embedding, let info = model.source.info(embedding) {
                found.append((src, embedding, info))  // a tied head: the input embedding stands in for it
            } else {
                missing.append((src, wanted))
            }
        }
        if found.isEmpty { return nil }
        // A model without an optional tensor drops out of it (as in mergekit), except a base the method indexes.
        let isOptional = isHead
        let fatal = isOptional ? missing.filter { $0.0.model == slice.base && method.baseRole == .required } : missing
        if let (src, wanted) = fatal.first {
            throw AlloyError(.mismatch, code: "missing_tensor",
                             "\(wanted): required by output tensor \(name) but not present in \(models[src.model].name)",
                             hint: "every model merged into a tensor must have it; check that the models share one architecture")
        }
        if !missing.isEmpty {
            warnings.append("\(name): merged without \(missing.map { models[$0.0.model].name }.joined(separator: ", ")), which lack it")
        }

        let resolver = ParameterResolver(sliceParameters: slice.parameters, topParameters: config.parameters, sliceKey: slice.key)
        var global: [String: ParameterValue] = [:]
        for spec in method.globalParameters {
            if let v = try resolver.global(spec, tensor: name, t: t, method: method.name) { global[spec.name] = v }
        }
        var inputs: [PlannedInput] = []
        for (src, tensorName, info) in found {
            let isBase = src.model == slice.base
            var parameters: [String: ParameterValue] = [:]
            let required = !isBase || method.baseRole == .input
            for spec in method.tensorParameters {
                if spec.required && required && src.key == "base_model",
                   resolverValue(resolver, spec, src, tensorName, t) == nil {
                    throw AlloyError(.config, code: "missing_parameter",
                                     "base_model: \(models[src.model].name) is merged as one more model by \(method.name) but has no \(spec.name)",
                                     hint: "list it under models: with parameters: {\(spec.name): VALUE}, or remove base_model")
                }
                if let v = try resolver.perModel(spec, sourceParameters: src.parameters, sourceKey: src.key, model: models[src.model].name,
                                                 tensor: tensorName, t: t, required: spec.required && required, method: method.name) {
                    parameters[spec.name] = v
                }
            }
            guard info.dtype.isDecodable else {
                throw AlloyError(.unsupported, code: "unsupported_dtype",
                                 "\(tensorName) in \(models[src.model].name): dtype \(info.dtype.rawValue) cannot be merged")
            }
            var shape = info.shape
            for tr in transforms where tr.applies(to: name) {
                shape = tr.transformedShape(name, model: models[src.model].name, shape: shape)
            }
            inputs.append(PlannedInput(model: src.model, modelName: models[src.model].name, tensor: tensorName, isBase: isBase,
                                       parameters: parameters, shape: shape, dtype: info.dtype))
        }

        let shape = try reconcileShapes(name: name, inputs: &inputs, isEmbedding: isEmbedding, warnings: &warnings)
        try method.validate(tensor: name, global: global, inputs: inputs.map(\.parameters))
        if isOptional {
            let hasBase = inputs.contains { $0.isBase && method.baseRole != .input }
            if !method.keepsOptionalTensor(models: inputs.count - (hasBase ? 1 : 0), hasBase: hasBase) {
                warnings.append("\(name): left out of the output (\(method.name) does not merge it from \(inputs.count) model\(inputs.count == 1 ? "" : "s"))")
                return nil
            }
        }
        let floats = inputs.allSatisfy { $0.dtype.isFloatingPoint }
        var working = config.dtype ?? TensorContext.promote(inputs.map(\.dtype))
        var result = working
        if config.dtype == nil, MergeMethodRegistry.resultDType(method.name) == .base, let b = inputs.first(where: \.isBase) {
            result = b.dtype
            // The task-vector methods cast every model to the base's dtype and compute in it.
            if MergeMethodRegistry.shapePolicy(method.name) == .baseShape { working = b.dtype }
        }
        if let promoted = method.promotedResultDType, promoted.bitWidth > result.bitWidth {
            result = promoted // ramplus_tl and arcee_fusion compute their result in float32
        }
        var output = config.outDType ?? result
        var copiesRaw = false
        if !floats || !output.isEncodable {
            // Integer buffers (position ids and the like) are carried over from the first model unchanged.
            copiesRaw = true
            output = inputs[0].dtype
            result = output
            guard inputs.allSatisfy({ $0.shape == inputs[0].shape }) else {
                throw AlloyError(.mismatch, code: "shape_mismatch", "\(name): integer tensor with differing shapes across models")
            }
        }
        return TensorPlan(name: name, position: position, slice: sliceIndex, t: t, inputs: inputs, global: global,
                          isEmbedding: isEmbedding, isOptional: isOptional, shape: shape, workingDType: working,
                          resultDType: result, outputDType: output, copiesRaw: copiesRaw)
    }

    func resolverValue(_ r: ParameterResolver, _ spec: ParameterSpec, _ src: MergePlanner.Source, _ tensor: String, _ t: Double) -> ParameterValue? {
        src.parameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? r.sliceParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? r.topParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? spec.defaultValue
    }

    /// The output shape under the method's shape policy; drops inputs mergekit would skip.
    func reconcileShapes(name: String, inputs: inout [PlannedInput], isEmbedding: Bool, warnings: inout [String]) throws -> [Int] {
        let first = inputs[0].shape
        if inputs.allSatisfy({ $0.shape == first }) { return first }
        let matrices = inputs.allSatisfy { $0.shape.count == 2 }
        func describe() -> String { inputs.map { "\($0.modelName) \($0.shape)" }.joined(separator: ", ") }
        switch MergeMethodRegistry.shapePolicy(method.name) {
        case .baseShape:
            if let base = inputs.first(where: \.isBase) {
                var kept: [PlannedInput] = []
                for input in inputs {
                    if input.isBase || input.shape == base.shape { kept.append(input); continue }
                    if isEmbedding && matrices {
                        guard input.shape[0] >= base.shape[0] && input.shape[1] >= base.shape[1] else {
                            throw AlloyError(.mismatch, code: "vocabulary_mismatch",
                                             "\(name): \(input.modelName) has shape \(input.shape), smaller than the base's \(base.shape)",
                                             hint: "add tokenizer: {source: union} (or base) to align vocabularies")
                        }
                        warnings.append("\(name): \(input.modelName)'s \(input.shape) is cut to the base's \(base.shape)")
                        kept.append(input)
                    } else {
                        warnings.append("\(name): skipping \(input.modelName) (shape \(input.shape) differs from the base's \(base.shape))")
                    }
                }
                inputs = kept
                return base.shape
            }
            fallthrough
        case .commonSubmatrix:
            guard isEmbedding && matrices else {
                throw AlloyError(.mismatch, code: "shape_mismatch", "\(name): shapes differ across models (\(describe()))",
                                 hint: "the models must share hidden sizes; check that they come from one base model")
            }
            let shape = [inputs.map { $0.shape[0] }.min()!, inputs.map { $0.shape[1] }.min()!]
            warnings.append("\(name): vocabularies differ (\(describe())); using the common \(shape[0]) rows (add tokenizer: to merge vocabularies instead)")
            return shape
        }
    }

    /// PyTorch's type promotion for the float dtypes a merge sees.
    static func promote(_ dtypes: [DType]) -> DType {
        let unique = Set(dtypes)
        if unique.count == 1 { return dtypes[0] }
        if unique.contains(.F64) { return .F64 }
        return .F32
    }
}
