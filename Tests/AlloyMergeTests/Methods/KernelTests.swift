@testable import AlloyMath
@testable import AlloyMerge
import Foundation
import Testing

@Suite struct KernelTests {
    @Test func radixSelectAgreesWithSorting() {
        var rng = SeededRandom(seed: 7)
        var values = (0..<5000).map { _ in rng.nextGaussian() }
        values[10] = 0; values[11] = -0.0; values[12] = values[13]
        let sorted = values.map { abs($0) }.sorted()
        for rank in [0, 1, 17, 2500, 4998, 4999] {
            let key = values.withUnsafeBufferPointer { RadixSelect.magnitudeKey(ofRank: rank, in: $0) }
            #expect(Float(bitPattern: key) == sorted[rank])
        }
    }

    @Test func rankMaskKeepsExactCountsWithTies() {
        // Short arrays are insertion-sorted by std::sort, which is stable: ties keep index order.
        var v: [Float] = [1, -1, 1, 2, 2, -2, 3, 0]
        let kept = v.withUnsafeMutableBufferPointer { MagnitudeRankMask.keep(2..<6, order: .ascending, of: $0) }
        // Ascending: 0(7), 1(0), 1(1), 1(2), 2(3), 2(4), 2(5), 3(6) → positions 2..5 = indices 1, 2, 3, 4.
        #expect(kept == 4)
        #expect(v == [0, -1, 1, 2, 2, 0, 0, 0])
        var same: [Float] = [5, 5, 5, 5]
        same.withUnsafeMutableBufferPointer { _ = MagnitudeRankMask.keep(1..<3, order: .ascending, of: $0) }
        #expect(same == [0, 5, 5, 0])
        var top: [Float] = [1, 3, -3, 2, 3]
        top.withUnsafeMutableBufferPointer { _ = MagnitudeRankMask.keep(0..<2, order: .descending, of: $0) }
        #expect(top == [0, 3, -3, 0, 0])
    }

    @Test func sortReplayAgreesWithAFullSortOnKeysAndKeepsExactCounts() {
        var rng = SeededRandom(seed: 11)
        // Heavily tied keys (8 distinct magnitudes) over a long array: the partial replay
        // must put exactly the right multiset of keys below each boundary.
        let n = 5000
        let values: [Float] = (0..<n).map { _ in Float(Int(rng.next() % 8)) }
        var packed = values.enumerated().map { UInt64(RadixSelect.magnitudeKey($0.element)) << 32 | UInt64($0.offset) }
        packed.withUnsafeMutableBufferPointer { IntrosortSelection.select($0, boundaries: [1234, 4000]) }
        let sortedKeys = values.sorted()
        for b in [1234, 4000] {
            let below = packed[0..<b].map { Float(bitPattern: UInt32($0 >> 32)) }.sorted()
            #expect(below == Array(sortedKeys[0..<b]))
        }
        #expect(Set(packed.map { $0 & 0xFFFF_FFFF }).count == n)
    }

    @Test func workingPrecisionRoundsLikeTheDtype() {
        #expect(WorkingPrecision(.BF16).round(Float(0.4)) == 0.400390625)
        #expect(WorkingPrecision(.BF16).round(Float(0.6)) == 0.6015625)
        #expect(WorkingPrecision(.BF16).round(Float(0.7)) == 0.69921875)
        #expect(WorkingPrecision(.F32).round(Float(0.7)) == Float(0.7))
        #expect(WorkingPrecision(.F16).round(Float(0.1)) == 0.0999755859375)
    }
}
