import AlloyFormat
import Foundation

/// A model as a configuration names it: `path[@revision][+adapter[@revision]]`,
/// or the object form `{model: {path, revision}, lora: {path, revision}, override_architecture}`.
public struct ModelReference: Sendable, Hashable, CustomStringConvertible {
    /// The model directory (or Hub id) as written.
    public var path: String
    public var revision: String?
    /// A LoRA adapter to fold into the model before merging.
    public var adapter: String?
    public var adapterRevision: String?
    /// Replaces `config.architectures` (object form only).
    public var overrideArchitecture: String?

    public init(path: String, revision: String? = nil, adapter: String? = nil, adapterRevision: String? = nil,
                overrideArchitecture: String? = nil) {
        self.path = path
        self.revision = revision
        self.adapter = adapter
        self.adapterRevision = adapterRevision
        self.overrideArchitecture = overrideArchitecture
    }

    /// Parses the string form. `key` names the configuration key for messages.
    public init(parsing text: String, key: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw AlloyError.config(key, "empty model reference") }
        let parts = trimmed.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else {
            throw AlloyError.config(key, "\"\(text)\" has more than one '+'", hint: "write MODEL+ADAPTER with a single '+'")
        }
        func split(_ s: String) throws -> (String, String?) {
            let p = s.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            guard p.count <= 2, !p[0].isEmpty else {
                throw AlloyError.config(key, "\"\(text)\" is not PATH[@REVISION][+ADAPTER[@REVISION]]")
            }
            return (p[0], p.count == 2 ? p[1] : nil)
        }
        (path, revision) = try split(parts[0])
        if parts.count == 2 {
            let (a, r) = try split(parts[1])
            adapter = a
            adapterRevision = r
        }
    }

    /// Identity used to match the same model across `models`, `slices` and `base_model`:
    /// the standardized path plus adapter.
    public var identity: String {
        func norm(_ p: String) -> String {
            p.hasPrefix("/") || p.hasPrefix(".") || FileManager.default.fileExists(atPath: p)
                ? URL(fileURLWithPath: p).standardizedFileURL.path : p
        }
        var s = norm(path)
        if let revision { s += "@" + revision }
        if let adapter { s += "+" + norm(adapter) }
        if let adapterRevision { s += "@" + adapterRevision }
        return s
    }

    /// The reference as a configuration would write it.
    public var description: String {
        var s = path
        if let revision { s += "@" + revision }
        if let adapter { s += "+" + adapter }
        if let adapterRevision { s += "@" + adapterRevision }
        return s
    }

    public static func == (a: ModelReference, b: ModelReference) -> Bool { a.identity == b.identity }
    public func hash(into h: inout Hasher) { h.combine(identity) }
}
