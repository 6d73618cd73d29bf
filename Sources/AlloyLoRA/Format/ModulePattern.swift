import Foundation

/// PEFT's rules for matching module names against configuration keys.
public enum ModulePattern {
    /// True when `pattern` (a regular expression) matches a dot-aligned suffix of `name`,
    /// PEFT's rule for `rank_pattern` / `alpha_pattern` keys (v0.15 on): `(.*\.)?(pattern)$` from the start.
    public static func matchesSuffix(_ pattern: String, name: String) -> Bool {
        fullMatch("(?:.*\\.)?(?:\(pattern))", name) ?? (name == pattern || name.hasSuffix("." + pattern))
    }

    /// True when `name` is targeted by a list entry: equal to it, or ending in `"." + entry`.
    public static func matchesListEntry(_ entry: String, name: String) -> Bool {
        name == entry || name.hasSuffix("." + entry)
    }

    /// A full match of `pattern` against `text`; nil when the pattern does not compile.
    public static func fullMatch(_ pattern: String, _ text: String) -> Bool? {
        guard let rx = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return nil }
        return rx.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// True when `pattern` matches anywhere in `text` (Python's `re.search`); nil when it does not compile.
    public static func search(_ pattern: String, _ text: String) -> Bool? {
        guard let rx = try? NSRegularExpression(pattern: pattern) else { return nil }
        return rx.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The last dotted component of a module path (`q_proj` for `model.layers.0.self_attn.q_proj`).
    public static func leaf(_ path: String) -> String {
        path.split(separator: ".").last.map(String.init) ?? path
    }
}
