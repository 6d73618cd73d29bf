import AlloyFormat
import Foundation

/// SentencePiece's compiled normalization rules (`Precompiled` normalizer): a
/// Darts double-array trie over UTF-8 keys whose values index a blob of
/// NUL-terminated replacement strings.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let normalized: [UInt8]

    init(base64: String, file: String) throws {
        guard let data = Data(base64Encoded: base64), data.count >= 4 else {
            throw AlloyError.tokenizer(file, "Precompiled normalizer has an invalid precompiled_charsmap")
        }
        let bytes = [UInt8](data)
        let trieSize = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= bytes.count else {
            throw AlloyError.tokenizer(file, "Precompiled normalizer's trie size does not fit its data")
        }
        var units: [UInt32] = []
        units.reserveCapacity(trieSize / 4)
        var i = 4
        while i < 4 + trieSize {
            units.append(UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            i += 4
        }
        self.units = units
        self.normalized = Array(bytes[(4 + trieSize)...])
    }

    /// Replacement for the shortest trie key that prefixes `key`, if any.
    private func transform(_ key: [UInt8]) -> [UInt8]? {
        guard !units.isEmpty else { return nil }
        var pos = 0
        pos ^= Self.offset(units[0])
        for c in key {
            if c == 0 { break }
            pos ^= Int(c)
            guard pos < units.count else { return nil }
            let unit = units[pos]
            if Self.label(unit) != UInt32(c) { return nil }
            pos ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard pos < units.count else { return nil }
                let start = Int(units[pos] & 0x7FFF_FFFF)
                guard start < normalized.count else { return nil }
                var end = start
                while end < normalized.count, normalized[end] != 0 { end += 1 }
                return Array(normalized[start..<end])
            }
        }
        return nil
    }

    private static func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
    private static func label(_ u: UInt32) -> UInt32 { u & ((1 << 31) | 0xFF) }
    private static func hasLeaf(_ u: UInt32) -> Bool { (u >> 8) & 1 == 1 }

    /// Normalizes grapheme by grapheme, then scalar by scalar, like `spm_precompiled`.
    func normalize(_ text: String) -> String {
        var out: [UInt8] = []
        for grapheme in text {
            let g = Array(String(grapheme).utf8)
            if g.count < 6, let r = transform(g) {
                out += r
                continue
            }
            for s in grapheme.unicodeScalars {
                let part = Array(String(s).utf8)
                out += transform(part) ?? part
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
