/// The one error type Alloy's library throws: a category that decides the exit
/// status, a stable machine-readable code, and a one-line message that names the
/// file, tensor or config key at fault and, where it can, what to do about it.
public struct AlloyError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; the CLI maps it to an exit status.
    public enum Category: String, Sendable, Codable {
        /// The input violates its format (a bad safetensors header, a broken index).
        case invalidData = "invalid_data"
        /// A file could not be read or written.
        case io
        /// A configuration is wrong (bad YAML, unknown method, missing parameter).
        case config
        /// The inputs cannot be combined (shape, vocabulary or architecture mismatch).
        case mismatch
        /// Valid input that Alloy does not handle.
        case unsupported
    }

    public var category: Category
    /// A stable snake_case identifier, e.g. `git_lfs_pointer`, `invalid_offset`.
    public var code: String
    /// One line: what is wrong, naming the file, tensor or key.
    public var message: String
    /// What to do about it, if there is something to say.
    public var hint: String?

    public init(_ category: Category, code: String, _ message: String, hint: String? = nil) {
        self.category = category
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        guard let hint, !hint.isEmpty else { return message }
        return "\(message); \(hint)"
    }

    public static func io(_ path: String, _ what: String, hint: String? = nil) -> AlloyError {
        AlloyError(.io, code: "io_error", "\(path): \(what)", hint: hint)
    }

    public static func config(_ key: String, _ what: String, hint: String? = nil) -> AlloyError {
        AlloyError(.config, code: "invalid_config", "\(key): \(what)", hint: hint)
    }
}
