/// The GPT-2 byte-level alphabet: each byte is spelled as a printable character
/// (printable Latin-1 bytes as themselves, the others shifted to U+0100 and up), so
/// `Ġ` is a space and `Ċ` a newline.
enum ByteLevelAlphabet {
    /// scalar value → byte.
    static let bytesByScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        var shifted: UInt32 = 256
        for b in 0...255 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                map[UInt32(b)] = UInt8(b)
            } else {
                map[shifted] = UInt8(b)
                shifted += 1
            }
        }
        return map
    }()

    /// The byte `scalar` spells, or nil when it is not part of the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? { bytesByScalar[scalar.value] }
}
