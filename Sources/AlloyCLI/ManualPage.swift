import AlloyFormat
import Foundation

/// Renders a section-1 manual page (man(7) macros) from the interface description
/// swift-argument-parser prints with `--experimental-dump-help`.
///
/// NAME, SYNOPSIS and OPTIONS come from the argument definitions; DESCRIPTION is
/// the command's `discussion`, whose `EXAMPLES:` and `EXIT STATUS:` paragraphs
/// (and any other `UPPER CASE:` paragraph) become sections of their own.
public enum ManualPage {
    /// The date printed in the page footer: fixed, so regenerating gives identical files.
    public static let date = "2026-11-22"
    public static let source = "Alloy"

    /// The exit statuses every tool shares, for commands whose discussion has none yet.
    static let defaultExitStatus = [
        ("0", "success"), ("1", "a negative answer (differences found, input invalid)"),
        ("2", "failure: unreadable input, bad configuration, I/O error"), ("64", "the command line is wrong"),
    ]

    /// The page for the tool described by `dumpHelp` (the JSON document).
    public static func render(dumpHelp: JSONValue) throws -> String {
        guard let command = dumpHelp["command"], let name = command["commandName"]?.stringValue else {
            throw AlloyError(.invalidData, code: "invalid_tool_info", "the --experimental-dump-help output has no command")
        }
        let arguments = (command["arguments"]?.arrayValue ?? []).filter { $0["shouldDisplay"]?.boolValue != false }
        let sections = discussionSections(command["discussion"]?.stringValue ?? "")
        var out: [String] = []
        out.append(".TH \(name.uppercased()) 1 \"\(date)\" \"\(source)\" \"General Commands Manual\"")
        out.append(".SH NAME")
        out.append("\(escape(name)) \\- \(escape(command["abstract"]?.stringValue ?? ""))")
        out.append(".SH SYNOPSIS")
        out.append(".B \(escape(name))")
        for arg in arguments { out.append(synopsisItem(arg)) }
        out.append(".SH DESCRIPTION")
        for paragraph in sections.description {
            out.append(".PP")
            out.append(escape(paragraph))
        }
        if !arguments.isEmpty {
            out.append(".SH OPTIONS")
            for arg in arguments {
                out.append(".TP")
                out.append(optionLabel(arg))
                var text = arg["abstract"]?.stringValue ?? ""
                if let values = arg["allValues"]?.arrayValue?.compactMap(\.stringValue), !values.isEmpty {
                    text += " One of: \(values.joined(separator: ", "))."
                }
                if let d = arg["defaultValue"]?.stringValue, arg["kind"]?.stringValue == "option" { text += " Default: \(d)." }
                out.append(escape(text))
                if let more = arg["discussion"]?.stringValue, !more.isEmpty { out.append(escape(more)) }
            }
        }
        out.append(".SH EXAMPLES")
        let examples = sections.examples.isEmpty ? ["\(name) --help"] : sections.examples
        for example in examples {
            out.append(".PP")
            out.append(".nf")
            out.append(".RS 4")
            out.append(escape(example))
            out.append(".RE")
            out.append(".fi")
        }
        out.append(".SH EXIT STATUS")
        for (code, meaning) in sections.exitStatus.isEmpty ? defaultExitStatus : sections.exitStatus {
            out.append(".TP")
            out.append(".B \(escape(code))")
            out.append(escape(meaning))
        }
        for (title, paragraphs) in sections.others {
            out.append(".SH \(escape(title))")
            for p in paragraphs {
                out.append(".PP")
                out.append(escape(p))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    struct Sections {
        var description: [String] = []
        var examples: [String] = []
        var exitStatus: [(String, String)] = []
        var others: [(String, [String])] = []
    }

    /// Splits a discussion into its description paragraphs and its `HEADING:` sections.
    static func discussionSections(_ discussion: String) -> Sections {
        var s = Sections()
        var heading: String?
        var paragraph: [String] = []
        func flush() {
            defer { paragraph = [] }
            guard !paragraph.isEmpty else { return }
            switch heading {
            case nil: s.description.append(paragraph.joined(separator: " "))
            case "EXAMPLES": s.examples += paragraph
            case "EXIT STATUS":
                for line in paragraph {
                    let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                    if parts.count == 2 {
                        s.exitStatus.append((String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces)))
                    } else if let last = s.exitStatus.popLast() {
                        s.exitStatus.append((last.0, last.1 + " " + line))
                    }
                }
            case let title?:
                if let i = s.others.firstIndex(where: { $0.0 == title }) {
                    s.others[i].1.append(paragraph.joined(separator: " "))
                } else {
                    s.others.append((title, [paragraph.joined(separator: " ")]))
                }
            }
        }
        for raw in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flush()
                if heading == "EXAMPLES" || heading == "EXIT STATUS" { continue }
                continue
            }
            if line.hasSuffix(":"), line.dropLast().allSatisfy({ $0.isUppercase || $0 == " " }), line.count > 1 {
                flush()
                heading = String(line.dropLast())
                continue
            }
            // Lines under EXAMPLES and EXIT STATUS are items; other text is wrapped prose.
            paragraph.append(line)
        }
        flush()
        return s
    }

    static func synopsisItem(_ arg: JSONValue) -> String {
        let repeating = arg["isRepeating"]?.boolValue == true ? " ..." : ""
        let optional = arg["isOptional"]?.boolValue == true
        let value = arg["valueName"]?.stringValue ?? "value"
        let item: String
        switch arg["kind"]?.stringValue {
        case "positional": item = "\\fI\(escape(value))\\fR\(repeating)"
        case "flag": item = "\\fB\(escape(flagName(arg["preferredName"])))\\fR\(repeating)"
        default: item = "\\fB\(escape(flagName(arg["preferredName"])))\\fR \\fI\(escape(value))\\fR\(repeating)"
        }
        return optional ? "[\(item)]" : item
    }

    static func optionLabel(_ arg: JSONValue) -> String {
        let value = arg["valueName"]?.stringValue ?? "value"
        if arg["kind"]?.stringValue == "positional" { return "\\fI\(escape(value))\\fR" }
        let names = (arg["names"]?.arrayValue ?? []).map { "\\fB\(escape(flagName($0)))\\fR" }.joined(separator: ", ")
        return arg["kind"]?.stringValue == "option" ? "\(names) \\fI\(escape(value))\\fR" : names
    }

    static func flagName(_ name: JSONValue?) -> String {
        guard let name, let n = name["name"]?.stringValue else { return "" }
        switch name["kind"]?.stringValue {
        case "short": return "-" + n
        case "longWithSingleDash": return "-" + n
        default: return "--" + n
        }
    }

    /// Escapes text for roff: backslashes, hyphens, non-ASCII characters, and control characters at line starts.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where scalar.value > 127: out += "\\[u" + String(format: "%04X", scalar.value) + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }
}
