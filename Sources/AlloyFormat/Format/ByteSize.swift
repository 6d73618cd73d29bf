/// Byte sizes as Hugging Face spells them: `5GB`, `500MB`, `2GiB`, `1000000`.
public enum ByteSize {
    /// Parses a size; decimal units (KB, MB, GB, TB) and binary ones (KiB, MiB, GiB, TiB).
    public static func parse(_ text: String) -> Int? {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [
            ("TIB", 1 << 40), ("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10),
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000),
            ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1000), ("B", 1),
        ]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v > 0 else { return nil }
            return Int((v * Double(scale)).rounded())
        }
        guard let v = Int(s), v > 0 else { return nil }
        return v
    }

    /// A human-readable size (`1.23 GB`).
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(bytes)
        var u = 0
        while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(bytes) B" : String(format: "%.2f %@", v, units[u])
    }
}

import Foundation
