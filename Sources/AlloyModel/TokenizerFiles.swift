import AlloyFormat
import Foundation

/// The tokenizer and generation files a merged model takes from its donor.
public enum TokenizerFiles {
    /// mergekit's copy list (`merge.py`), in its order.
    public static let copied = [
        "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer.model", "added_tokens.json",
        "merges.txt", "chat_template.jinja", "generation_config.json", "chat_template.json", "video_preprocessor_config.json",
    ]

    /// Copies the donor's tokenizer files that exist into `destination`; returns the names copied.
    ///
    /// mergekit copies verbatim only when the donor has `tokenizer_config.json` and
    /// `tokenizer.json` or `tokenizer.model`, and otherwise re-saves the tokenizer
    /// through `transformers`; Alloy copies what is there in both cases (plus
    /// `vocab.json` for GPT-2 style tokenizers).
    @discardableResult
    public static func copy(from donor: String, to destination: String) throws -> [String] {
        let fm = FileManager.default
        var names = copied
        let has = { (n: String) in fm.fileExists(atPath: (donor as NSString).appendingPathComponent(n)) }
        if !(has("tokenizer_config.json") && (has("tokenizer.json") || has("tokenizer.model"))) { names.append("vocab.json") }
        var done: [String] = []
        for name in names where has(name) {
            let target = (destination as NSString).appendingPathComponent(name)
            try? fm.removeItem(atPath: target)
            do {
                try fm.copyItem(atPath: (donor as NSString).appendingPathComponent(name), toPath: target)
            } catch {
                throw AlloyError.io(target, "cannot copy \(name) from \(donor): \(error.localizedDescription)")
            }
            // Copies of read-only inputs must stay writable for the user.
            try? fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target)
            done.append(name)
        }
        return done
    }
}
