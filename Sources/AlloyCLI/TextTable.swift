/// A plain-text table for human output: columns padded to their widest cell,
/// numbers right-aligned, two spaces between columns, no trailing spaces.
public struct TextTable {
    public enum Alignment: Sendable { case left, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public private(set) var rows: [[String]] = []

    public init(headers: [String], alignments: [Alignment]) {
        precondition(headers.count == alignments.count)
        self.headers = headers
        self.alignments = alignments
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == headers.count)
        rows.append(row)
    }

    /// The table's lines, header first.
    public func lines() -> [String] {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return ([headers] + rows).map { row in
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i > 0 { line += "  " }
                line += alignments[i] == .right ? pad + cell : (i == row.count - 1 ? cell : cell + pad)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}

/// Formatting for human-readable output.
public enum HumanFormat {
    /// `1234567` → `1,234,567`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A shape as `[64, 128]`.
    public static func shape(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// A number with about `digits` significant digits (`0.0123`, `1.5e-07`).
    public static func number(_ x: Double, digits: Int = 4) -> String {
        if x == 0 { return "0" }
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e6 {
            return trimZeros(String(format: "%.\(max(0, digits - 1 - Int(magnitude.log10Floor)))f", x))
        }
        return String(format: "%.\(digits - 1)e", x)
    }

    static func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    /// Replaces control characters (which could drive the terminal) by `\u{…}` escapes.
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Compares strings so that runs of digits compare by value (`layers.9` < `layers.10`).
    public static func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var x = i.next(), y = j.next()
        while let p = x, let q = y {
            if p.properties.numericType == .decimal && q.properties.numericType == .decimal,
               p.isASCII, q.isASCII {
                var m = "", n = ""
                while let c = x, c.isASCII, c.properties.numericType == .decimal { m.unicodeScalars.append(c); x = i.next() }
                while let c = y, c.isASCII, c.properties.numericType == .decimal { n.unicodeScalars.append(c); y = j.next() }
                let mt = m.drop(while: { $0 == "0" }), nt = n.drop(while: { $0 == "0" })
                if mt.count != nt.count { return mt.count < nt.count }
                if mt != nt { return mt < nt }
                if m.count != n.count { return m.count < n.count }
                continue
            }
            if p != q { return p.value < q.value }
            x = i.next()
            y = j.next()
        }
        return x == nil && y != nil
    }
}

extension Double {
    var log10Floor: Double { (log10(self)).rounded(.down) }
}

import Foundation
