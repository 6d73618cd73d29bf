import AlloyFormat
/// SentencePiece's unigram model: the segmentation with the highest total
/// score (Viterbi), unknown characters scored as the lowest score minus 10.
struct UnigramModel: Sendable {
    let pieces: [(token: [UInt8], score: Double)]
    let unkID: Int?
    let byteFallback: Bool
    private let trie: ByteTrie
    private let unkScore: Double
    private let vocab: [[UInt8]: Int]

    init(json model: JSONValue, file: String) throws {
        guard let list = model["vocab"]?.arrayValue else { throw AlloyError.tokenizer(file, "Unigram model has no vocab list") }
        var pieces: [(token: [UInt8], score: Double)] = []
        pieces.reserveCapacity(list.count)
        var vocab: [[UInt8]: Int] = [:]
        var trie = ByteTrie()
        for (i, entry) in list.enumerated() {
            guard let tok = entry[0]?.stringValue, case .number(let text)? = entry[1], let score = SerdeFloat.parse(text) else {
                throw AlloyError.tokenizer(file, "Unigram vocab entry #\(i) is not [token, score]")
            }
            pieces.append((tok.bytes, score))
            if vocab[tok.bytes] == nil { vocab[tok.bytes] = i }
            trie.insert(tok.bytes, value: i)
        }
        self.pieces = pieces
        self.vocab = vocab
        self.trie = trie
        unkID = model["unk_id"]?.intValue
        byteFallback = model["byte_fallback"]?.boolValue ?? false
        unkScore = (pieces.map(\.score).min() ?? 0) - 10
    }

    func tokenize(_ word: String) -> [Int] {
        let bytes = word.bytes
        let n = bytes.count
        if n == 0 { return [] }
        var bestScore = [Double](repeating: 0, count: n + 1)
        var startsAt = [Int](repeating: -1, count: n + 1)
        var tokenAt = [Int](repeating: -1, count: n + 1)
        var pos = 0
        while pos < n {
            let charLen = UTF8Length.of(bytes[pos])
            let base = bestScore[pos]
            var hasSingle = false
            trie.forEachPrefix(of: bytes, from: pos) { id, length in
                let end = pos + length
                let candidate = base + pieces[id].score
                if startsAt[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    startsAt[end] = pos
                    tokenAt[end] = id
                }
                if length == charLen { hasSingle = true }
            }
            if !hasSingle {
                let end = min(n, pos + charLen)
                let candidate = base + unkScore
                if startsAt[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    startsAt[end] = pos
                    tokenAt[end] = unkID ?? -1
                }
            }
            pos += charLen
        }
        // Walk back, fusing consecutive unknown pieces.
        var spans: [(start: Int, end: Int, id: Int)] = []
        var end = n
        while end > 0 {
            let start = startsAt[end]
            if start < 0 { break }
            let id = tokenAt[end]
            if id == unkID, let last = spans.last, last.id == unkID {
                spans[spans.count - 1] = (start, last.end, last.id)
            } else {
                spans.append((start, end, id))
            }
            end = start
        }
        spans.reverse()
        var out: [Int] = []
        for span in spans {
            if span.id == unkID || span.id < 0 {
                if byteFallback {
                    let ids = bytes[span.start..<span.end].map { vocab[ByteFallback.token(for: $0).bytes] }
                    if ids.allSatisfy({ $0 != nil }) {
                        out.append(contentsOf: ids.map { $0! })
                        continue
                    }
                }
                if let unk = unkID { out.append(unk) }
            } else {
                out.append(span.id)
            }
        }
        return out
    }
}

/// Length in bytes of the UTF-8 sequence that starts with `lead`.
enum UTF8Length {
    static func of(_ lead: UInt8) -> Int {
        if lead < 0x80 { return 1 }
        if lead >> 5 == 0b110 { return 2 }
        if lead >> 4 == 0b1110 { return 3 }
        if lead >> 3 == 0b11110 { return 4 }
        return 1
    }
}

/// A byte trie for common-prefix search (shortest prefixes first).
struct ByteTrie: Sendable {
    private var children: [[UInt8: Int32]] = [[:]]
    private var values: [Int32] = [-1]

    mutating func insert(_ key: [UInt8], value: Int) {
        var node = 0
        for b in key {
            if let c = children[node][b] {
                node = Int(c)
            } else {
                children.append([:])
                values.append(-1)
                let c = children.count - 1
                children[node][b] = Int32(c)
                node = c
            }
        }
        if values[node] < 0 { values[node] = Int32(value) }
    }

    /// Calls `body(value, length)` for every key that prefixes `bytes[from...]`, shortest first.
    func forEachPrefix(of bytes: [UInt8], from: Int, _ body: (Int, Int) -> Void) {
        var node = 0
        var i = from
        while i < bytes.count, let c = children[node][bytes[i]] {
            node = Int(c)
            i += 1
            if values[node] >= 0 { body(Int(values[node]), i - from) }
        }
    }
}
