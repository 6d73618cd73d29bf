/// Which row of the model's matrix each donor token gets, before any approximation:
/// an exact match of the normalized token, else (when allowed) a byte match
/// (`a` ↔ `<0x61>`), else (when allowed) the longest prefix the model has; tokens
/// without any match are left for an approximation method.
public struct VocabularyAlignment: Sendable {
    /// How a donor token found its model row.
    public enum Match: String, Sendable {
        case exact, byte, prefix
    }

    /// One donor token that reuses a model row.
    public struct Copy: Sendable, Equatable {
        public let donorID: Int
        public let modelID: Int
        public let match: Match
    }

    /// Rows of the new matrix: the donor vocabulary's size, or its highest id + 1 if larger.
    public let rowCount: Int
    /// Donor tokens that reuse a model row, by ascending donor id.
    public let copies: [Copy]
    /// Donor token ids left to approximate, ascending.
    public let unmatched: [Int]
    /// The tokens both vocabularies have (exact matches whose rows exist in both
    /// matrices), by ascending donor id: the landmarks the approximations work from.
    public let shared: [(donorID: Int, modelID: Int)]

    /// Aligns `donor`'s vocabulary to `model`'s.
    ///
    /// - Parameters:
    ///   - modelRows, donorRows: rows of the two matrices; ids beyond them have no row.
    public init(model: TransplantVocabulary, donor: TransplantVocabulary, modelRows: Int, donorRows: Int,
                allowPrefix: Bool, allowByte: Bool) {
        rowCount = max(donor.count, donor.maxID + 1)
        let modelIDs = model.ids.filter { $0.value < modelRows }
        var copies: [Copy] = []
        var unmatched: [Int] = []
        var shared: [(donorID: Int, modelID: Int)] = []
        for entry in donor.entries {
            let token = entry.normalized
            if let m = modelIDs[token] {
                copies.append(Copy(donorID: entry.id, modelID: m, match: .exact))
                // A spelling that occurs twice is one landmark (the id that owns it).
                if entry.id < donorRows, donor.ids[token] == entry.id { shared.append((entry.id, m)) }
            } else if allowByte, let m = VocabularyAlignment.byteMatch(token, in: modelIDs) {
                copies.append(Copy(donorID: entry.id, modelID: m, match: .byte))
            } else if allowPrefix, let m = token.prefixes.lazy.compactMap({ modelIDs[$0] }).first {
                copies.append(Copy(donorID: entry.id, modelID: m, match: .prefix))
            } else {
                unmatched.append(entry.id)
            }
        }
        self.copies = copies
        self.unmatched = unmatched
        self.shared = shared
    }

    /// An alignment given directly (tests, callers with their own matching).
    public init(copies: [Copy], unmatched: [Int], rowCount: Int, shared: [(donorID: Int, modelID: Int)]? = nil) {
        self.copies = copies
        self.unmatched = unmatched
        self.rowCount = rowCount
        self.shared = shared ?? copies.filter { $0.match == .exact }.map { ($0.donorID, $0.modelID) }
    }

    /// Number of copies made by `match`.
    public func count(_ match: Match) -> Int { copies.reduce(0) { $0 + ($1.match == match ? 1 : 0) } }

    /// The model id of the byte token matching a one-byte character, or of the
    /// character matching a `<0xNN>` byte token.
    static func byteMatch(_ token: NormalizedToken, in ids: [NormalizedToken: Int]) -> Int? {
        guard case .plain(let text) = token else { return nil }
        let scalars = Array(text.unicodeScalars)
        if scalars.count == 1, scalars[0].value < 256 {
            let hex = String(scalars[0].value, radix: 16, uppercase: true)
            return ids[.plain("<0x" + (hex.count == 1 ? "0" : "") + hex + ">")]
        }
        if scalars.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">"),
           let byte = UInt8(String(String.UnicodeScalarView(scalars[3..<5])), radix: 16),
           let scalar = Unicode.Scalar(UInt32(byte)) {
            return ids[.plain(String(Character(scalar)))]
        }
        return nil
    }
}
