import AlloyFormat
/// The parts of a merged adapter's config every kind's `add_weighted_adapter` builds the
/// same way in PEFT.
public enum MergedAdapterConfig {
    /// PEFT's union of a config field (`target_modules`, `feedforward_modules`): the set
    /// union of lists (sorted), or `(t1)|(t2)|…` of regular expressions. Mixing a list and
    /// a regex is an error, as in PEFT.
    public static func union(_ fields: [TargetModules], key: String) throws -> TargetModules {
        var all = Set<String>(), parts: [String] = []
        for f in fields {
            switch f {
            case .list(let l): all.formUnion(l)
            case .regex(let r): parts.append("(\(r))")
            }
        }
        if parts.isEmpty { return .list(all.sorted()) }
        if parts.count == fields.count { return .regex(parts.joined(separator: "|")) }
        throw AlloyError(.mismatch, code: "config_mismatch",
                         "\(key): the adapters mix a list and a regular expression, which PEFT cannot combine",
                         hint: "rewrite the regex adapter's \(key) as a list")
    }

    /// The base tensors a merged adapter saves for the first adapter's `modules_to_save`
    /// (PEFT gives the new adapter fresh copies of the *base* modules), after refusing two
    /// adapters that save the same module, as PEFT does.
    ///
    /// - Parameters:
    ///   - saved: each adapter's location and the base names of the tensors it saves in full.
    ///   - wanted: the first adapter's `modules_to_save`.
    public static func baseCopies(saved: [(location: String, names: [String])], wanted: [String],
                                  base: TensorSource?) throws -> [String] {
        var savedBy: [String: String] = [:]
        for (location, names) in saved {
            for name in names {
                if let other = savedBy[name] {
                    throw AlloyError(.mismatch, code: "modules_to_save_conflict",
                                     "\(other) and \(location) both save \"\(name)\" (modules_to_save); PEFT cannot merge such adapters")
                }
                savedBy[name] = location
            }
        }
        guard !wanted.isEmpty, let first = saved.first else { return [] }
        guard let base else {
            throw AlloyError.config("--base-model", "is needed: \(first.location) has modules_to_save \(wanted), whose merged copies are the base model's modules (as in PEFT)")
        }
        let copies = base.names.filter { name in
            let module = name.split(separator: ".").dropLast().joined(separator: ".")
            return wanted.contains { ModulePattern.matchesListEntry($0, name: module) }
        }
        if copies.isEmpty {
            throw AlloyError(.mismatch, code: "adapter_base_mismatch",
                             "\(base.location): has no tensors for modules_to_save \(wanted) of \(first.location)")
        }
        return copies
    }
}
