import AlloyFormat
/// Typed reading of resolved parameters, falling back to the method's default
/// when the plan did not fill one in (unit tests build requests by hand).

extension MergeInput {
    /// A numeric per-model parameter, or `fallback` when absent. A value that is not
    /// a number is a configuration error naming the parameter and model.
    public func number(_ name: String, default fallback: Double, tensor: String) throws -> Double {
        guard let value = parameters[name] else { return fallback }
        guard let n = value.number else {
            throw AlloyError.config(name, "expected a number for model \(model), tensor \(tensor), got \"\(value)\"")
        }
        return n
    }

    /// A numeric per-model parameter that must be given.
    public func requiredNumber(_ name: String, method: String, tensor: String) throws -> Double {
        guard parameters[name] != nil else {
            throw AlloyError.config(name, "merge method \(method) needs parameter \(name) for model \(model), tensor \(tensor)",
                                    hint: "add \(name): under the model's parameters (or the global parameters)")
        }
        return try number(name, default: 0, tensor: tensor)
    }
}

extension MergeRequest {
    /// A numeric global parameter, or `fallback` when absent.
    public func number(_ name: String, default fallback: Double) throws -> Double {
        guard let value = global[name] else { return fallback }
        guard let n = value.number else {
            throw AlloyError.config(name, "expected a number for tensor \(outputName), got \"\(value)\"")
        }
        return n
    }

    /// A numeric global parameter that must be given.
    public func requiredNumber(_ name: String, method: String) throws -> Double {
        guard global[name] != nil else {
            throw AlloyError.config(name, "merge method \(method) needs parameter \(name) (tensor \(outputName))",
                                    hint: "add \(name): under parameters:")
        }
        return try number(name, default: 0)
    }

    /// A boolean global parameter, or `fallback` when absent.
    public func flag(_ name: String, default fallback: Bool) throws -> Bool {
        guard let value = global[name] else { return fallback }
        guard let b = value.bool else {
            throw AlloyError.config(name, "expected true or false for tensor \(outputName), got \"\(value)\"")
        }
        return b
    }

    /// The precision mergekit's arithmetic has in the configured working dtype.
    public var precision: WorkingPrecision { WorkingPrecision(workingDType) }
}
