@testable import AlloyMath
import AlloyTestSupport
import Foundation
import Testing

/// The sort replay against what compiled libstdc++ does on tie-heavy keys
/// (reference produced by Fixtures/libstdcxx/generate.cpp).
@Suite struct LibstdcxxReplayTests {
    @Test func agreesWithCompiledLibstdcxx() throws {
        let path = TestPaths.packageRoot + "/Tests/Fixtures/libstdcxx/selection-reference.txt"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        var trials = 0
        while i + 4 < lines.count {
            let h = lines[i].split(separator: " ").map { Int($0)! }
            let (n, b1, b2, k) = (h[0], h[1], h[2], h[3])
            let v = lines[i + 1].split(separator: " ").map { Float($0)! }
            func ints(_ s: Substring) -> [Int] { s.split(separator: " ").map { Int($0)! } }
            let wantSort = ints(lines[i + 2]), wantNth = ints(lines[i + 3]), wantPartial = ints(lines[i + 4])
            i += 5
            #expect(v.count == n)
            func packed(_ descending: Bool) -> [UInt64] {
                v.enumerated().map { UInt64(RadixSelect.magnitudeKey($0.element) ^ (descending ? 0xFFFF_FFFF : 0)) << 32 | UInt64($0.offset) }
            }
            var a = packed(false)
            a.withUnsafeMutableBufferPointer { IntrosortSelection.select($0, boundaries: [b1, b2]) }
            #expect(a[b1..<b2].map { Int($0 & 0xFFFF_FFFF) }.sorted() == wantSort, "sort trial \(trials)")
            var b = packed(true)
            b.withUnsafeMutableBufferPointer { IntrosortSelection.nthElement($0, nth: k - 1) }
            #expect(b[0..<k].map { Int($0 & 0xFFFF_FFFF) }.sorted() == wantNth, "nth trial \(trials)")
            var c = packed(true)
            c.withUnsafeMutableBufferPointer { IntrosortSelection.partialSortSelect($0, k: k) }
            #expect(c[0..<k].map { Int($0 & 0xFFFF_FFFF) }.sorted() == wantPartial, "partial trial \(trials)")
            trials += 1
        }
        #expect(trials == 83)
    }
}
