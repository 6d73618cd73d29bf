import AlloyFormat
extension ParameterValue {
    /// The value as JSON.
    public var json: JSONValue {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? .int(Int(d)) : .double(d)
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        }
    }
}

extension MergePlan {
    /// The plan as printed by `merge-yaml --dry-run` (schema_version 1).
    public var json: JSONValue {
        func params(_ p: [String: ParameterValue]) -> JSONValue {
            .object(p.keys.sorted().map { ($0, p[$0]!.json) })
        }
        let modelList: [JSONValue] = models.enumerated().map { i, m in
            .object([("reference", .string(m.name)), ("directory", .string(m.directory)),
                     ("layers", .int(m.layout.layerCount)), ("tensors", .int(m.source.names.count)),
                     ("base", .bool(configuration.baseModel == m.reference)), ("donor", .bool(i == donor))])
        }
        let tensorList: [JSONValue] = tensors.map { t in
            var members: [(String, JSONValue)] = [("name", .string(t.name))]
            switch t.position {
            case .preLayer: members.append(("position", "pre_layer"))
            case .layer(let k): members += [("position", "layer"), ("layer", .int(k))]
            case .postLayer: members.append(("position", "post_layer"))
            }
            members += [
                ("slice", .int(t.slice)), ("t", .double(t.t)),
                ("shape", .array(t.shape.map { .int($0) })), ("dtype", .string(t.outputDType.torchName)),
                ("working_dtype", .string(t.workingDType.torchName)),
                ("embedding", .bool(t.isEmbedding)), ("optional", .bool(t.isOptional)),
                ("parameters", params(t.global)),
                ("inputs", .array(t.inputs.map { i in
                    .object([("model", .string(i.modelName)), ("tensor", .string(i.tensor)), ("base", .bool(i.isBase)),
                             ("shape", .array(i.shape.map { .int($0) })), ("dtype", .string(i.dtype.torchName)),
                             ("parameters", params(i.parameters))])
                })),
            ]
            if t.copiesRaw { members.append(("copied", .bool(true))) }
            return .object(members)
        }
        return .object([
            ("schema_version", 1), ("tool", "merge-yaml"), ("merge_method", .string(method.name)),
            ("base_model", configuration.baseModel.map { .string($0.description) } ?? .null),
            ("layers", .int(layerCount)), ("output_bytes", .int(outputBytes)),
            ("models", .array(modelList)), ("warnings", .array(warnings.map { .string($0) })),
            ("tensors", .array(tensorList)),
        ])
    }
}
