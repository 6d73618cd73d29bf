import AlloyFormat
/// mergekit's parameter precedence for one output slice: the source entry for the
/// model (per-model parameters only), then the slice's `parameters`, then the
/// top-level `parameters`, then the method's default.
struct ParameterResolver {
    let sliceParameters: ParameterSettings
    let topParameters: ParameterSettings
    /// Where the slice's parameters sit in the configuration, for messages.
    let sliceKey: String

    /// A global parameter for output tensor `tensor` at position `t`.
    func global(_ spec: ParameterSpec, tensor: String, t: Double, method: String) throws -> ParameterValue? {
        let value = sliceParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? topParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? spec.defaultValue
        if value == nil && spec.required {
            throw AlloyError(.config, code: "missing_parameter",
                             "parameters.\(spec.name): \(method) needs \(spec.name) but none is set for tensor \(tensor)",
                             hint: "add parameters: {\(spec.name): VALUE} (a filter list without a catch-all entry leaves some tensors without a value)")
        }
        if let value { try MergeMethodRegistry.checkRange(spec.name, value) { "parameters.\(spec.name) (tensor \(tensor))" } }
        return value
    }

    /// A per-model parameter for `model`'s input tensor `tensor` at position `t`.
    func perModel(_ spec: ParameterSpec, sourceParameters: ParameterSettings, sourceKey: String, model: String,
                  tensor: String, t: Double, required: Bool, method: String) throws -> ParameterValue? {
        let value = sourceParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? sliceParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? topParameters[spec.name]?.evaluate(tensor: tensor, t: t)
            ?? spec.defaultValue
        if value == nil && required {
            throw AlloyError(.config, code: "missing_parameter",
                             "\(sourceKey).parameters.\(spec.name): \(method) needs \(spec.name) for \(model) but none is set for tensor \(tensor)",
                             hint: "give the model parameters: {\(spec.name): VALUE}, or set it under the top-level parameters:")
        }
        if let value { try MergeMethodRegistry.checkRange(spec.name, value) { "\(sourceKey).parameters.\(spec.name) (tensor \(tensor))" } }
        return value
    }
}
