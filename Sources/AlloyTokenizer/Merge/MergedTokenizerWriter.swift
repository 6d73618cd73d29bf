import AlloyFormat
import Foundation

/// Writes a merged tokenizer: `tokenizer.json`, `tokenizer_config.json` (the
/// source's, with `added_tokens_decoder` updated and every other field kept),
/// `special_tokens_map.json` when the source has one, and the chat template.
public enum MergedTokenizerWriter {
    /// Files written into `directory`, in order.
    @discardableResult
    public static func write(_ vocabulary: MergedVocabulary, chatTemplate: String? = nil, to directory: String) throws -> [String] {
        var written: [String] = []
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        try JSONFile.write(vocabulary.document, to: path("tokenizer.json"), writer: .pretty)
        written.append("tokenizer.json")

        let origin = vocabulary.origin
        var config = origin.config ?? defaultConfig(origin)
        if config["added_tokens_decoder"] != nil || origin.config == nil {
            config["added_tokens_decoder"] = .object(vocabulary.addedTokens.map { (String($0.id), $0.flagsJSON) })
        }
        if chatTemplate != nil { config["chat_template"] = nil }
        try JSONFile.write(config, to: path("tokenizer_config.json"), writer: .pretty)
        written.append("tokenizer_config.json")

        if let map = origin.specialTokensMap {
            try JSONFile.write(map, to: path("special_tokens_map.json"), writer: .pretty)
            written.append("special_tokens_map.json")
        }
        if let template = chatTemplate {
            try write(template, to: path("chat_template.jinja"))
            written.append("chat_template.jinja")
        } else if let dir = sourceDirectory(origin) {
            for name in ["chat_template.jinja", "chat_template.json"] {
                let src = (dir as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: src) else { continue }
                try? FileManager.default.removeItem(atPath: path(name))
                do { try FileManager.default.copyItem(atPath: src, toPath: path(name)) } catch {
                    throw AlloyError.io(path(name), "cannot copy \(name) from \(dir): \(error.localizedDescription)")
                }
                written.append(name)
            }
        }
        return written
    }

    /// Writes `text` as UTF-8 to `path` (an I/O error names the file).
    public static func write(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw AlloyError.io(path, "cannot write: \(error.localizedDescription)")
        }
    }

    /// The directory the origin tokenizer was read from, when it came from one.
    static func sourceDirectory(_ t: Tokenizer) -> String? {
        guard t.source.hasSuffix("/tokenizer.json") || t.source == "tokenizer.json" else { return nil }
        return (t.source as NSString).deletingLastPathComponent
    }

    /// A minimal `tokenizer_config.json` for a tokenizer that came without one.
    static func defaultConfig(_ t: Tokenizer) -> JSONValue {
        var members: [(String, JSONValue)] = []
        for (role, token) in t.specialTokens.roles { members.append(("\(role)_token", .string(token))) }
        members.append(("tokenizer_class", "PreTrainedTokenizerFast"))
        return .object(members)
    }
}
