/// One token sequence for a batched forward pass, left-padded: the first
/// `padding` ids are padding, masked out as attention keys (as an attention
/// mask of zeros does in Transformers).
public struct PaddedSequence: Sendable, Equatable {
    public var ids: [Int]
    public var padding: Int

    public init(ids: [Int], padding: Int = 0) {
        precondition(padding >= 0 && padding <= ids.count, "padding \(padding) outside 0...\(ids.count)")
        self.ids = ids
        self.padding = padding
    }

    /// Left-pads every sequence to the longest one's length with `padId`, as a
    /// tokenizer with `padding_side = "left"` and `padding=True` does.
    public static func leftPadded(_ sequences: [[Int]], padId: Int) -> [PaddedSequence] {
        let length = sequences.map(\.count).max() ?? 0
        return sequences.map { ids in
            let pad = length - ids.count
            return PaddedSequence(ids: [Int](repeating: padId, count: pad) + ids, padding: pad)
        }
    }
}

/// The hidden states of every token of a batch at one depth: row `t` of
/// sequence `s` is `vector(sequence: s, position: t)`.
public struct HiddenStates: Sendable {
    public let hiddenSize: Int
    /// All tokens' vectors, sequence after sequence, row-major.
    public let values: [Float]
    /// Row index where each sequence starts.
    public let starts: [Int]
    /// Each sequence's length (padding included).
    public let lengths: [Int]

    public init(hiddenSize: Int, values: [Float], starts: [Int], lengths: [Int]) {
        self.hiddenSize = hiddenSize
        self.values = values
        self.starts = starts
        self.lengths = lengths
    }

    /// The vector of token `position` of sequence `sequence`.
    public func vector(sequence: Int, position: Int) -> ArraySlice<Float> {
        let row = starts[sequence] + position
        return values[(row * hiddenSize)..<((row + 1) * hiddenSize)]
    }
}
