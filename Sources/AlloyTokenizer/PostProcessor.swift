import AlloyFormat
/// A `tokenizer.json` post-processor: adds special tokens around an encoded sequence.
indirect enum PostProcessor: Sendable {
    /// Template pieces: a special token's ids, or the sequence itself.
    case template([TemplatePiece])
    /// `[cls] A [sep]` (RobertaProcessing, BertProcessing).
    case wrap(cls: Int, sep: Int)
    /// Leaves ids alone (ByteLevel only trims offsets).
    case identity
    case sequence([PostProcessor])

    enum TemplatePiece: Sendable { case special([Int]), sequence }

    static func parse(_ json: JSONValue?, file: String) throws -> PostProcessor? {
        guard let json, !json.isNull else { return nil }
        guard let type = json["type"]?.stringValue else { throw AlloyError.tokenizer(file, "post_processor without a type") }
        switch type {
        case "TemplateProcessing":
            var pieces: [TemplatePiece] = []
            for item in json["single"]?.arrayValue ?? [] {
                if let special = item["SpecialToken"] {
                    let name = special["id"]?.stringValue ?? ""
                    guard let ids = json["special_tokens"]?[name]?["ids"]?.arrayValue else {
                        throw AlloyError.tokenizer(file, "post_processor template uses \(name.debugDescription), missing from special_tokens")
                    }
                    pieces.append(.special(ids.compactMap(\.intValue)))
                } else if item["Sequence"] != nil {
                    pieces.append(.sequence)
                }
            }
            return .template(pieces)
        case "RobertaProcessing", "BertProcessing":
            guard let cls = json["cls"]?[1]?.intValue, let sep = json["sep"]?[1]?.intValue else {
                throw AlloyError.tokenizer(file, "\(type) needs cls and sep as [token, id]")
            }
            return .wrap(cls: cls, sep: sep)
        case "ByteLevel":
            return .identity
        case "Sequence":
            return .sequence(try (json["processors"]?.arrayValue ?? []).compactMap { try parse($0, file: file) })
        default:
            throw AlloyError.unsupportedTokenizer(file, "post_processor type \(type) is not supported")
        }
    }

    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .template(let pieces):
            return pieces.flatMap { piece -> [Int] in
                switch piece {
                case .special(let s): return s
                case .sequence: return ids
                }
            }
        case .wrap(let cls, let sep): return [cls] + ids + [sep]
        case .identity: return ids
        case .sequence(let items): return items.reduce(ids) { $1.apply($0) }
        }
    }
}
