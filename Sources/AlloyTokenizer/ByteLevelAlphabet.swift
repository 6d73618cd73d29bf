/// The GPT-2 byte-to-character table: every byte gets a printable character, so
/// byte-level BPE can treat arbitrary UTF-8 as text.
enum ByteLevelAlphabet {
    /// Character for each byte value.
    static let byteToScalar: [Unicode.Scalar] = {
        var printable: [Int] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        let printableSet = Set(printable)
        for b in printable { table[b] = Unicode.Scalar(UInt32(b))! }
        var next = 256
        for b in 0..<256 where !printableSet.contains(b) {
            table[b] = Unicode.Scalar(UInt32(next))!
            next += 1
        }
        printable.removeAll()
        return table
    }()

    /// Byte for each table character.
    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// Maps the UTF-8 bytes of `text` to table characters.
    static func encode(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for b in text.utf8 { out.append(byteToScalar[Int(b)]) }
        return String(out)
    }

    /// Maps table characters back to bytes; characters outside the table keep their UTF-8 bytes.
    static func decodeBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for s in text.unicodeScalars {
            if let b = scalarToByte[s.value] { bytes.append(b) } else { bytes.append(contentsOf: String(s).utf8) }
        }
        return bytes
    }
}
