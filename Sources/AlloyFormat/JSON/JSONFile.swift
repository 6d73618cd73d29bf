import Foundation

/// Reading and writing JSON files with `JSONValue`.
public enum JSONFile {
    /// Parses the JSON file at `path`.
    public static func read(_ path: String, rejectDuplicateKeys: Bool = false) throws -> JSONValue {
        let mapped = try MappedFile(path: path)
        do {
            return try JSONParser.parse(mapped.bytes, options: .init(rejectDuplicateKeys: rejectDuplicateKeys))
        } catch let error as JSONParseError {
            throw AlloyError(.invalidData, code: "invalid_json", "\(path): invalid JSON (\(error))")
        } catch {
            throw error
        }
    }

    /// Writes `value` to `path` with `writer`'s layout, followed by a newline when `trailingNewline`.
    public static func write(_ value: JSONValue, to path: String, writer: JSONWriter = .pretty, trailingNewline: Bool = true) throws {
        var text = writer.string(value)
        if trailingNewline { text += "\n" }
        do {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        } catch {
            throw AlloyError.io(path, "cannot write: \(error.localizedDescription)")
        }
    }
}
