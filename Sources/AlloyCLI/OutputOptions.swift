import AlloyFormat
import ArgumentParser
import Foundation

/// `--json` / `--ndjson`: machine-readable output on stdout.
public struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout (it carries schema_version; see the docs).")
    public var json = false

    @Flag(name: .long, help: "Print one JSON record per line on stdout, then a summary record.")
    public var ndjson = false

    public init() {}

    public mutating func validate() throws {
        if json && ndjson { throw ValidationError("--json and --ndjson cannot be used together") }
        Diagnostics.jsonErrors = json || ndjson
    }

    /// The chosen format.
    public var format: OutputFormat { json ? .json : (ndjson ? .ndjson : .human) }
}

/// How results are printed.
public enum OutputFormat: Sendable {
    case human, json, ndjson
}

/// `-v`, `-q`: how much goes to stderr.
public struct VerbosityOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Say more on stderr (repeat for more).")
    public var verbose: Int

    @Flag(name: .shortAndLong, help: "Say nothing on stderr but errors.")
    public var quiet = false

    public init() {}

    public mutating func validate() throws {
        Diagnostics.verbosity = quiet ? 0 : 1 + verbose
    }
}

/// Writing to stdout.
public enum StandardOutput {
    static let lock = NSLock()

    /// Writes `text` and a newline to stdout.
    public static func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a JSON value as one document (indented) or one NDJSON line (compact).
    public static func json(_ value: JSONValue, compact: Bool = false) {
        line((compact ? JSONWriter.compact : JSONWriter.pretty).string(value))
    }
}
