import AlloyFormat
import Foundation

/// The output chat template (`chat_template:`): `auto`, a built-in format name,
/// or a literal Jinja template.
public enum ChatTemplateChoice: Sendable, Equatable {
    /// The template most of the models share (ties: the first in model order).
    case auto
    /// One of `ChatTemplateChoice.builtInNames`.
    case builtIn(String)
    /// A Jinja template given verbatim.
    case literal(String)

    /// Formats Alloy ships templates for.
    public static let builtInNames = ["alpaca", "chatml", "exaone", "llama3", "mistral"]

    /// Reads a configuration value; `key` names it in messages.
    public init(parsing value: String, key: String = "chat_template") throws {
        if value == "auto" {
            self = .auto
        } else if Self.builtInNames.contains(value) {
            self = .builtIn(value)
        } else if value.count < 20 || !value.contains("{") {
            throw AlloyError.config(key, "\(value.debugDescription) is neither auto, a built-in template name nor a Jinja template",
                                    hint: "use auto, one of \(Self.builtInNames.joined(separator: ", ")), or a full Jinja template")
        } else {
            self = .literal(value)
        }
    }

    /// The template text for this choice given the models' own templates (in model order);
    /// nil when `auto` finds no template.
    public func resolve(modelTemplates: [String?]) -> String? {
        switch self {
        case .literal(let t): return t
        case .builtIn(let name): return BuiltInChatTemplates.template(named: name)
        case .auto:
            var counts: [String: Int] = [:]
            var order: [String] = []
            for t in modelTemplates.compactMap({ $0?.trimmingCharacters(in: .whitespacesAndNewlines) }) where !t.isEmpty {
                if counts[t] == nil { order.append(t) }
                counts[t, default: 0] += 1
            }
            guard let best = order.max(by: { counts[$0]! < counts[$1]! || (counts[$0]! == counts[$1]! && order.firstIndex(of: $0)! > order.firstIndex(of: $1)!) }) else { return nil }
            return best
        }
    }
}

/// Alloy's own Jinja renderings of common chat formats.
enum BuiltInChatTemplates {
    static func template(named name: String) -> String? {
        switch name {
        case "chatml": return chatml
        case "alpaca": return alpaca
        case "llama3": return llama3
        case "mistral": return mistral
        case "exaone": return exaone
        default: return nil
        }
    }

    /// ChatML: each turn is `<|im_start|>ROLE\nCONTENT<|im_end|>\n`. This is the widely
    /// published ChatML template, spelled exactly as the community (and mergekit's
    /// outputs) spell it, so merged tokenizers compare equal to theirs byte for byte.
    static let chatml = """
        {% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}
        {% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    /// Alpaca: an optional system paragraph, then `### Instruction:` / `### Response:` blocks.
    static let alpaca = """
        {%- for message in messages -%}
        {%- if message['role'] == 'system' -%}{{- message['content'] ~ '\\n\\n' -}}
        {%- elif message['role'] == 'user' -%}{{- '### Instruction:\\n' ~ message['content'] ~ '\\n\\n' -}}
        {%- elif message['role'] == 'assistant' -%}{{- '### Response:\\n' ~ message['content'] ~ eos_token ~ '\\n\\n' -}}
        {%- endif -%}
        {%- endfor -%}
        {%- if add_generation_prompt -%}{{- '### Response:\\n' -}}{%- endif -%}
        """

    /// Llama 3: BOS, then `<|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>` per turn.
    static let llama3 = """
        {{- bos_token -}}
        {%- for message in messages -%}
        {{- '<|start_header_id|>' ~ message['role'] ~ '<|end_header_id|>\\n\\n' ~ (message['content'] | trim) ~ '<|eot_id|>' -}}
        {%- endfor -%}
        {%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}
        """

    /// Mistral instruct: `[INST] USER [/INST]ASSISTANT</s>`, a system message folded into the first user turn.
    static let mistral = """
        {{- bos_token -}}
        {%- set ns = namespace(system='') -%}
        {%- for message in messages -%}
        {%- if message['role'] == 'system' -%}{%- set ns.system = message['content'] ~ '\\n\\n' -%}
        {%- elif message['role'] == 'user' -%}{{- '[INST] ' ~ ns.system ~ message['content'] ~ ' [/INST]' -}}{%- set ns.system = '' -%}
        {%- elif message['role'] == 'assistant' -%}{{- message['content'] ~ eos_token -}}
        {%- endif -%}
        {%- endfor -%}
        """

    /// EXAONE: `[|ROLE|]CONTENT` turns, ending with `[|endofturn|]` after system and assistant turns.
    static let exaone = """
        {%- for message in messages -%}
        {%- if message['role'] == 'system' -%}{{- '[|system|]' ~ message['content'] ~ '[|endofturn|]\\n' -}}
        {%- elif message['role'] == 'user' -%}{{- '[|user|]' ~ message['content'] ~ '\\n' -}}
        {%- elif message['role'] == 'assistant' -%}{{- '[|assistant|]' ~ message['content'] ~ '[|endofturn|]\\n' -}}
        {%- endif -%}
        {%- endfor -%}
        {%- if add_generation_prompt -%}{{- '[|assistant|]' -}}{%- endif -%}
        """
}
