import AlloyFormat
/// Byte-pair encoding as `tokenizers` runs it: start from characters (or byte
/// fallback tokens, or unk), then repeatedly apply the lowest-ranked merge,
/// leftmost first.
struct BPEModel: Sendable {
    let vocab: [[UInt8]: Int]
    /// (left id, right id) → (rank, merged id).
    let merges: [UInt64: (rank: Int, id: Int)]
    let unkID: Int?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnk: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    init(json model: JSONValue, file: String) throws {
        guard let vocabMembers = model["vocab"]?.objectValue else { throw AlloyError.tokenizer(file, "BPE model has no vocab object") }
        var vocab: [[UInt8]: Int] = [:]
        vocab.reserveCapacity(vocabMembers.count)
        for (token, id) in vocabMembers {
            guard let i = id.intValue else { throw AlloyError.tokenizer(file, "vocab entry \(token.debugDescription) has no integer id") }
            vocab[token.bytes] = i
        }
        self.vocab = vocab
        let prefix = model["continuing_subword_prefix"]?.stringValue
        continuingSubwordPrefix = prefix
        endOfWordSuffix = model["end_of_word_suffix"]?.stringValue
        fuseUnk = model["fuse_unk"]?.boolValue ?? false
        byteFallback = model["byte_fallback"]?.boolValue ?? false
        ignoreMerges = model["ignore_merges"]?.boolValue ?? false
        if let unk = model["unk_token"]?.stringValue {
            unkID = vocab[unk.bytes]
        } else {
            unkID = nil
        }
        var merges: [UInt64: (Int, Int)] = [:]
        let list = model["merges"]?.arrayValue ?? []
        merges.reserveCapacity(list.count)
        let prefixCount = prefix?.utf8.count ?? 0
        for (rank, entry) in list.enumerated() {
            guard let (a, b) = BPEModel.mergePair(entry) else {
                throw AlloyError.tokenizer(file, "merge #\(rank) is neither \"a b\" nor [\"a\", \"b\"]")
            }
            guard let ia = vocab[a.bytes], let ib = vocab[b.bytes] else {
                throw AlloyError.tokenizer(file, "merge \(a.debugDescription) + \(b.debugDescription) uses a token missing from the vocab")
            }
            var right = b.bytes
            if prefixCount > 0, right.count >= prefixCount, let p = prefix, b.bytesHavePrefix(p) { right.removeFirst(prefixCount) }
            guard let merged = vocab[a.bytes + right] else {
                throw AlloyError.tokenizer(file, "merge \(a.debugDescription) + \(b.debugDescription) makes a token missing from the vocab")
            }
            let key = BPEModel.key(ia, ib)
            if merges[key] == nil { merges[key] = (rank, merged) }
        }
        self.merges = merges
    }

    /// A merge in either serialization: `"a b"` or `["a", "b"]`.
    static func mergePair(_ entry: JSONValue) -> (String, String)? {
        if let s = entry.stringValue {
            guard let space = s.unicodeScalars.firstIndex(of: " ") else { return nil }
            let a = String(s.unicodeScalars[..<space])
            let b = String(s.unicodeScalars[s.unicodeScalars.index(after: space)...])
            return (a, b)
        }
        if let arr = entry.arrayValue, arr.count == 2, let a = arr[0].stringValue, let b = arr[1].stringValue { return (a, b) }
        return nil
    }

    @inline(__always) static func key(_ a: Int, _ b: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: a)) << 32 | UInt64(UInt32(truncatingIfNeeded: b)) }

    func tokenize(_ word: String) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocab[word.bytes] { return [id] }
        var symbols = initialSymbols(word)
        if symbols.count > 1 { applyMerges(&symbols) }
        return symbols
    }

    private func initialSymbols(_ word: String) -> [Int] {
        var out: [Int] = []
        var lastWasUnk = false
        let scalars = Array(word.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            var piece = String(s).bytes
            if i > 0, let p = continuingSubwordPrefix { piece = p.bytes + piece }
            if i == scalars.count - 1, let suf = endOfWordSuffix { piece += suf.bytes }
            if let id = vocab[piece] {
                out.append(id)
                lastWasUnk = false
                continue
            }
            if byteFallback {
                let ids = String(s).utf8.map { vocab[ByteFallback.token(for: $0).bytes] }
                if ids.allSatisfy({ $0 != nil }) {
                    out.append(contentsOf: ids.map { $0! })
                    lastWasUnk = false
                    continue
                }
            }
            if let unk = unkID {
                if !(fuseUnk && lastWasUnk) { out.append(unk) }
                lastWasUnk = true
            }
        }
        return out
    }

    /// Heap-driven merging: pop the lowest (rank, position) pair still present.
    private func applyMerges(_ ids: inout [Int]) {
        let n = ids.count
        var prev = Array(-1..<(n - 1))
        var next = Array(1...n)
        next[n - 1] = -1
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        for i in 0..<(n - 1) {
            if let m = merges[BPEModel.key(ids[i], ids[i + 1])] { heap.push(.init(rank: m.rank, pos: i, id: m.id)) }
        }
        while let top = heap.pop() {
            let p = top.pos
            guard alive[p] else { continue }
            let q = next[p]
            // A stale entry: the pair at `p` changed since it was queued.
            guard q >= 0, let current = merges[BPEModel.key(ids[p], ids[q])], current.id == top.id else { continue }
            ids[p] = top.id
            alive[q] = false
            next[p] = next[q]
            if next[q] >= 0 { prev[next[q]] = p }
            if prev[p] >= 0, let m = merges[BPEModel.key(ids[prev[p]], ids[p])] {
                heap.push(.init(rank: m.rank, pos: prev[p], id: m.id))
            }
            if next[p] >= 0, let m = merges[BPEModel.key(ids[p], ids[next[p]])] {
                heap.push(.init(rank: m.rank, pos: p, id: m.id))
            }
        }
        var out: [Int] = []
        var i = 0
        while i >= 0 && i < n {
            out.append(ids[i])
            i = next[i]
        }
        ids = out
    }
}

/// A min-heap of candidate merges ordered by (rank, position).
struct MergeHeap {
    struct Entry { var rank: Int; var pos: Int; var id: Int }
    private var items: [Entry] = []

    private static func less(_ a: Entry, _ b: Entry) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.less(items[l], items[m]) { m = l }
                if r < items.count, Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}

/// The `<0xNN>` tokens SentencePiece-style vocabularies use for raw bytes.
enum ByteFallback {
    static let hex: [Character] = Array("0123456789ABCDEF")
    static func token(for byte: UInt8) -> String { "<0x" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)]) + ">" }

    /// The byte a `<0xNN>` token stands for.
    static func byte(of token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 60, u[1] == 48, u[2] == 120, u[5] == 62 else { return nil }
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }
}
