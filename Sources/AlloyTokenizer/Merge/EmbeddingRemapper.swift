import AlloyFormat
/// Where one token's embedding row comes from (`tokenizer.tokens.<token>.source`).
public enum TokenEmbeddingSource: Sendable, Equatable {
    /// The same token's row in the named model.
    case model(String)
    /// A given row of the named model, by token text or by id.
    case modelToken(model: String, token: String?, tokenID: Int?)
    /// A row of zeros.
    case zero
}

/// The configuration of one token's embedding.
public struct TokenEmbeddingRule: Sendable, Equatable {
    public var token: String
    /// nil: the default choice (see `EmbeddingRemapper`).
    public var source: TokenEmbeddingSource?
    /// Use the configured row for every model, even those that have the token.
    public var force: Bool

    public init(token: String, source: TokenEmbeddingSource?, force: Bool = false) {
        self.token = token
        self.source = source
        self.force = force
    }
}

/// Re-indexes embedding-like matrices (input embeddings, LM heads) from each
/// model's vocabulary to the merged one, as mergekit's `PermutedEmbeddings` does:
///
/// - a model that has the token keeps its own row (unless the token's rule is `force`);
/// - otherwise the token's default row: its rule's source if configured, else the row
///   of the only model that has it, else the base model's row, else the plain mean of
///   the rows of the models that have it (zeros when none has it);
/// - rows added by `pad_to_multiple_of` get the mean of that model's real rows.
public struct EmbeddingRemapper: Sendable {
    public let vocabulary: MergedVocabulary
    /// Output rows after padding.
    public let paddedSize: Int
    public let baseModel: String?
    private let rules: [[UInt8]: TokenEmbeddingRule]

    public init(vocabulary: MergedVocabulary, rules: [TokenEmbeddingRule] = [], padToMultipleOf: Int? = nil, baseModel: String?) {
        self.vocabulary = vocabulary
        self.baseModel = baseModel
        var r: [[UInt8]: TokenEmbeddingRule] = [:]
        for rule in rules where r[rule.token.bytes] == nil { r[rule.token.bytes] = rule }
        self.rules = r
        var size = vocabulary.size
        if let m = padToMultipleOf, m > 0, size % m != 0 { size = (size / m + 1) * m }
        paddedSize = size
    }

    /// Warnings for output tokens that no model has and no rule configures (their rows are zeros).
    public func tokensWithoutRows() -> [String] {
        vocabulary.tokens.compactMap { token, id in
            if rules[token.bytes]?.source != nil { return nil }
            if vocabulary.permutations.values.contains(where: { id < $0.count && $0[id] >= 0 }) { return nil }
            return "token \(token.debugDescription) (id \(id)) is in none of the models; its embedding rows are zeros"
        }
    }

    /// One model's matrix for a tensor.
    public struct Input: Sendable {
        public var model: String
        public var tensor: Tensor
        public init(model: String, tensor: Tensor) {
            self.model = model
            self.tensor = tensor
        }
    }

    private enum Default {
        case row(model: Int, row: Int)
        case mean([(model: Int, row: Int)])
        case zero
    }

    /// Re-indexes `inputs` (one matrix per model, the base among them when it has the
    /// tensor); returns the new matrices in the same order. `rounding`, when set, is the
    /// dtype mergekit computes the means in (each step rounds to it).
    public func remap(_ inputs: [Input], tensorName: String, rounding: DType? = nil) throws -> [Tensor] {
        guard let first = inputs.first else { return [] }
        let hidden = first.tensor.columns
        for input in inputs where input.tensor.rank != 2 || input.tensor.columns != hidden {
            throw AlloyError(.mismatch, code: "embedding_mismatch",
                             "\(tensorName): \(input.model) has shape \(input.tensor.shape), \(first.model) has \(first.tensor.shape); embedding widths must match")
        }
        let perms: [[Int]] = try inputs.map { input in
            guard let p = vocabulary.permutations[input.model] else {
                throw AlloyError(.config, code: "unknown_model", "\(tensorName): \(input.model) took no part in the vocabulary merge")
            }
            return p
        }
        let index = Dictionary(inputs.enumerated().map { ($0.element.model, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let baseIndex = baseModel.flatMap { index[$0] }

        // The default row of every output token.
        var defaults: [Default] = []
        defaults.reserveCapacity(vocabulary.size)
        var forced = [Bool](repeating: false, count: vocabulary.size)
        var byID = [String?](repeating: nil, count: vocabulary.size)
        for (token, id) in vocabulary.tokens { byID[id] = token }
        for id in 0..<vocabulary.size {
            let present = perms.indices.filter { perms[$0][id] >= 0 }
            if let token = byID[id], let rule = rules[token.bytes], let source = rule.source {
                forced[id] = rule.force
                defaults.append(try configuredDefault(source, token: token, id: id, inputs: inputs, perms: perms, index: index, tensorName: tensorName))
                continue
            }
            if let token = byID[id], let rule = rules[token.bytes] { forced[id] = rule.force }
            if present.count == 1 {
                defaults.append(.row(model: present[0], row: perms[present[0]][id]))
            } else if present.isEmpty {
                defaults.append(.zero)
            } else if let b = baseIndex, perms[b][id] >= 0 {
                defaults.append(.row(model: b, row: perms[b][id]))
            } else {
                defaults.append(.mean(present.map { ($0, perms[$0][id]) }))
            }
        }
        let defaultRows = defaults.map { d -> [Float]? in
            switch d {
            case .row: return nil
            case .zero: return [Float](repeating: 0, count: hidden)
            case .mean(let rows): return EmbeddingRemapper.mean(rows.map { inputs[$0.model].tensor.values[($0.row * hidden)..<(($0.row + 1) * hidden)] }, rounding: rounding)
            }
        }

        return inputs.enumerated().map { m, input in
            var out = [Float](repeating: 0, count: paddedSize * hidden)
            let p = perms[m]
            out.withUnsafeMutableBufferPointer { dst in
                for id in 0..<vocabulary.size {
                    let target = UnsafeMutableBufferPointer(rebasing: dst[(id * hidden)..<((id + 1) * hidden)])
                    if p[id] >= 0, !forced[id] {
                        EmbeddingRemapper.copyRow(input.tensor.values, row: p[id], hidden: hidden, into: target)
                    } else if case .row(let model, let row) = defaults[id] {
                        EmbeddingRemapper.copyRow(inputs[model].tensor.values, row: row, hidden: hidden, into: target)
                    } else if let values = defaultRows[id] {
                        _ = target.update(fromContentsOf: values)
                    }
                }
                if paddedSize > vocabulary.size {
                    let mean = EmbeddingRemapper.columnMean(UnsafeBufferPointer(rebasing: dst[0..<(vocabulary.size * hidden)]), rows: vocabulary.size, hidden: hidden, rounding: rounding)
                    for id in vocabulary.size..<paddedSize {
                        _ = UnsafeMutableBufferPointer(rebasing: dst[(id * hidden)..<((id + 1) * hidden)]).update(fromContentsOf: mean)
                    }
                }
            }
            return Tensor(shape: [paddedSize, hidden], values: out)
        }
    }

    private func configuredDefault(_ source: TokenEmbeddingSource, token: String, id: Int, inputs: [Input], perms: [[Int]],
                                   index: [String: Int], tensorName: String) throws -> Default {
        func model(_ name: String) throws -> Int {
            guard let m = index[name] else {
                throw AlloyError.config("tokenizer.tokens.\(token)", "\(name) is not a model with \(tensorName) in this merge")
            }
            return m
        }
        switch source {
        case .zero:
            return .zero
        case .model(let name):
            let m = try model(name)
            guard perms[m][id] >= 0 else {
                throw AlloyError.config("tokenizer.tokens.\(token)", "token \(token.debugDescription) is not in \(name)'s vocabulary",
                                        hint: "use source: {kind: model_token, model: ..., token: ...} to name another token of that model")
            }
            return .row(model: m, row: perms[m][id])
        case .modelToken(let name, let sourceToken, let tokenID):
            let m = try model(name)
            var row = tokenID
            if row == nil, let t = sourceToken {
                guard let found = vocabulary.modelVocabularies[name]?[t.bytes] else {
                    throw AlloyError.config("tokenizer.tokens.\(token)", "token \(t.debugDescription) is not in \(name)'s vocabulary")
                }
                row = found
            }
            guard let r = row, r >= 0, r < inputs[m].tensor.rows else {
                throw AlloyError.config("tokenizer.tokens.\(token)", "token id \(row ?? -1) is out of range for \(name) (\(inputs[m].tensor.rows) rows in \(tensorName))")
            }
            return .row(model: m, row: r)
        }
    }

    @inline(never)
    static func copyRow(_ src: [Float], row: Int, hidden: Int, into dst: UnsafeMutableBufferPointer<Float>) {
        src.withUnsafeBufferPointer { s in
            _ = dst.update(fromContentsOf: UnsafeBufferPointer(rebasing: s[(row * hidden)..<((row + 1) * hidden)]))
        }
    }

    /// Sum then divide, rounding each step to `rounding` (mergekit adds the rows in the tensors' dtype).
    static func mean(_ rows: [ArraySlice<Float>], rounding: DType?) -> [Float] {
        guard let first = rows.first else { return [] }
        var acc = [Float](repeating: 0, count: first.count)
        for row in rows {
            for (j, v) in row.enumerated() { acc[j] += v }
            if let d = rounding { ElementCodec.roundTrip(&acc, through: d) }
        }
        let n = Float(rows.count)
        for j in acc.indices { acc[j] /= n }
        if let d = rounding { ElementCodec.roundTrip(&acc, through: d) }
        return acc
    }

    /// Mean of every column over `rows` rows (accumulated in Double, rounded once).
    @inline(never)
    static func columnMean(_ m: UnsafeBufferPointer<Float>, rows: Int, hidden: Int, rounding: DType?) -> [Float] {
        var acc = [Double](repeating: 0, count: hidden)
        for r in 0..<rows {
            for j in 0..<hidden { acc[j] += Double(m[r * hidden + j]) }
        }
        var out = acc.map { Float($0 / Double(rows)) }
        if let d = rounding { ElementCodec.roundTrip(&out, through: d) }
        return out
    }
}
