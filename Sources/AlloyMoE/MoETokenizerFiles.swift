import AlloyFormat
import Foundation

/// The base model's tokenizer files, copied the way mergekit-moe saves the
/// tokenizer it used for the prompts: the padding token becomes the BOS token
/// (the EOS token when there is none) and, when prompts were padded, padding
/// is left-sided in `tokenizer.json`.
public enum MoETokenizerFiles {
    /// Files copied verbatim when present (the JSON ones are edited).
    static let names = ["tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer.model",
                        "added_tokens.json", "merges.txt", "vocab.json", "chat_template.jinja", "chat_template.json"]

    /// The base tokenizer's BOS (else EOS) token text, from `tokenizer_config.json`
    /// or `special_tokens_map.json`.
    public static func padToken(in directory: String) -> String? {
        for file in ["tokenizer_config.json", "special_tokens_map.json"] {
            let path = (directory as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path), let json = try? JSONFile.read(path) else { continue }
            for key in ["bos_token", "eos_token"] {
                if let t = content(json[key]) { return t }
            }
        }
        return nil
    }

    /// The id of `token` in a `tokenizer.json` (added tokens first, then the model vocabulary).
    public static func id(of token: String, tokenizerJSON json: JSONValue) -> Int? {
        for added in json["added_tokens"]?.arrayValue ?? [] where added["content"]?.stringValue == token {
            return added["id"]?.intValue
        }
        return json["model"]?["vocab"]?[token]?.intValue
    }

    /// Copies the tokenizer files of `directory` into `output`; returns their names.
    static func copy(from directory: String, to output: OutputDirectory, padded: Bool) throws -> [String] {
        let fm = FileManager.default
        let pad = padToken(in: directory)
        var written: [String] = []
        for name in names {
            let source = (directory as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: source) else { continue }
            let target = output.path(name)
            switch name {
            case "tokenizer_config.json", "special_tokens_map.json":
                var json = try JSONFile.read(source)
                if let pad { json["pad_token"] = .string(pad) }
                try JSONFile.write(json, to: target, writer: .pretty)
            case "tokenizer.json" where padded && pad != nil:
                var json = try JSONFile.read(source)
                if let id = id(of: pad!, tokenizerJSON: json) {
                    json["padding"] = .object([
                        ("strategy", "BatchLongest"), ("direction", "Left"), ("pad_to_multiple_of", .null),
                        ("pad_id", .int(id)), ("pad_type_id", 0), ("pad_token", .string(pad!)),
                    ])
                }
                try JSONFile.write(json, to: target, writer: .pretty)
            default:
                do { try fm.copyItem(atPath: source, toPath: target) } catch {
                    throw AlloyError.io(target, "cannot copy \(source): \(error.localizedDescription)")
                }
            }
            written.append(name)
        }
        return written
    }

    static func content(_ v: JSONValue?) -> String? {
        if let s = v?.stringValue { return s }
        return v?["content"]?.stringValue
    }
}
