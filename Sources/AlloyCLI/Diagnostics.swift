import AlloyFormat
import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Everything a tool says on stderr: errors, warnings, logs and progress.
public enum Diagnostics {
    /// How much the tool says: 0 quiet, 1 normal, 2 verbose, 3 debug.
    nonisolated(unsafe) public static var verbosity = 1
    /// The tool's name, prefixed to each line.
    nonisolated(unsafe) public static var toolName = "alloy"
    /// Write errors as JSON objects (for `--json` runs).
    nonisolated(unsafe) public static var jsonErrors = false

    static let lock = NSLock()

    /// True when stderr is a terminal a person is watching (and `TERM` is not `dumb`).
    public static var stderrIsTerminal: Bool {
        isatty(2) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Writes one line to stderr.
    public static func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// An error line: `tool: error: message`, or a JSON object with `--json`.
    public static func error(_ error: Error) {
        if jsonErrors {
            var object: [(String, JSONValue)] = [("type", "error"), ("tool", .string(toolName))]
            if let e = error as? AlloyError {
                object += [("code", .string(e.code)), ("category", .string(e.category.rawValue)),
                           ("message", .string(e.message))]
                if let hint = e.hint { object.append(("hint", .string(hint))) }
            } else {
                object += [("code", "internal_error"), ("message", .string(String(describing: error)))]
            }
            line(JSONWriter.compact.string(.object(object)))
        } else {
            line("\(toolName): error: \(error)")
        }
    }

    /// A warning line, unless quiet.
    public static func warning(_ text: String) {
        if verbosity >= 1 { line("\(toolName): warning: \(text)") }
    }

    /// An informational line, unless quiet.
    public static func info(_ text: String) {
        if verbosity >= 1 { line("\(toolName): \(text)") }
    }

    /// A line shown only with `-v`.
    public static func verbose(_ text: String) {
        if verbosity >= 2 { line("\(toolName): \(text)") }
    }
}
