/// Which elements land in which positions when PyTorch sorts on the CPU.
///
/// `torch.sort`/`torch.argsort` on CPU float tensors (without x86-simd-sort) run
/// libstdc++'s `std::sort`, an unstable introsort. When magnitudes tie (common in
/// bfloat16), which of the tied elements end up among the "top k" is decided by
/// that algorithm's exact sequence of swaps. This replays the algorithm —
/// median-of-three pivot, unguarded Hoare partition, heapsort below the depth
/// limit, final insertion sort on runs of ≤ 16 — but only descends into the
/// partitions that straddle a boundary of interest, so it costs a quickselect,
/// not a sort.
///
/// Elements are packed as `key << 32 | index` and compared by key only.
public enum IntrosortSelection {
    /// Size below which libstdc++ leaves runs to the final insertion sort.
    static let threshold = 16

    /// Rearranges `a` so that, for every boundary `b`, the elements in `a[0..<b]` are
    /// exactly those `std::sort` (ascending by key) would put there.
    public static func select(_ a: UnsafeMutableBufferPointer<UInt64>, boundaries: [Int]) {
        let n = a.count
        guard n > 1 else { return }
        let inner = boundaries.filter { $0 > 0 && $0 < n }.sorted()
        guard !inner.isEmpty else { return }
        let depth = 2 * (Int.bitWidth - 1 - n.leadingZeroBitCount)
        loop(a.baseAddress!, 0, n, depth, inner)
    }

    /// Rearranges `a` as libstdc++'s `std::nth_element(first, first + nth, last)` does
    /// (introselect), so that `a[0..<nth+1]` holds the elements it puts there.
    public static func nthElement(_ a: UnsafeMutableBufferPointer<UInt64>, nth: Int) {
        let n = a.count
        guard n > 1, nth >= 0, nth < n else { return }
        let p = a.baseAddress!
        var first = 0, last = n
        var depth = 2 * (Int.bitWidth - 1 - n.leadingZeroBitCount)
        while last - first > 3 {
            if depth == 0 {
                heapSelect(p, first, nth + 1, last)
                swap(p, first, nth)
                return
            }
            depth -= 1
            let cut = partitionPivot(p, first, last)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(p, first, last)
    }

    /// libstdc++'s `std::partial_sort(first, first + k, last)` as far as membership goes:
    /// after the heap selection `a[0..<k]` holds the k smallest (sorting them changes no membership).
    public static func partialSortSelect(_ a: UnsafeMutableBufferPointer<UInt64>, k: Int) {
        guard k > 0, k < a.count else { return }
        heapSelect(a.baseAddress!, 0, k, a.count)
    }

    /// `__heap_select(first, middle, last)`: a max-heap of the first elements, replaced
    /// from the rest whenever a smaller one comes along.
    static func heapSelect(_ a: UnsafeMutablePointer<UInt64>, _ first: Int, _ middle: Int, _ last: Int) {
        let base = a + first
        let len = middle - first
        if len > 1 {
            var parent = (len - 2) / 2
            while true {
                adjustHeap(base, parent, len, base[parent])
                if parent == 0 { break }
                parent -= 1
            }
        }
        var i = middle
        while i < last {
            if less(a[i], base[0]) {
                let value = a[i]
                a[i] = base[0]
                adjustHeap(base, 0, len, value)
            }
            i += 1
        }
    }

    @inline(__always) static func less(_ x: UInt64, _ y: UInt64) -> Bool { (x >> 32) < (y >> 32) }

    /// True when some boundary lies strictly inside `first..<last`.
    static func straddles(_ first: Int, _ last: Int, _ bounds: [Int]) -> Bool {
        for b in bounds where b > first && b < last { return true }
        return false
    }

    @inline(never)
    static func loop(_ a: UnsafeMutablePointer<UInt64>, _ first: Int, _ lastIn: Int, _ depthIn: Int, _ bounds: [Int]) {
        var last = lastIn, depth = depthIn
        while last - first > threshold {
            guard straddles(first, last, bounds) else { return }
            if depth == 0 {
                heapSort(a, first, last)
                return
            }
            depth -= 1
            let cut = partitionPivot(a, first, last)
            loop(a, cut, last, depth, bounds)
            last = cut
        }
        if straddles(first, last, bounds) { insertionSort(a, first, last) }
    }

    @inline(__always) static func swap(_ a: UnsafeMutablePointer<UInt64>, _ i: Int, _ j: Int) {
        let t = a[i]
        a[i] = a[j]
        a[j] = t
    }

    static func partitionPivot(_ a: UnsafeMutablePointer<UInt64>, _ first: Int, _ last: Int) -> Int {
        let mid = first + (last - first) / 2
        moveMedianToFirst(a, first, first + 1, mid, last - 1)
        return unguardedPartition(a, first + 1, last, first)
    }

    static func moveMedianToFirst(_ a: UnsafeMutablePointer<UInt64>, _ result: Int, _ x: Int, _ y: Int, _ z: Int) {
        let pick: Int
        if less(a[x], a[y]) {
            if less(a[y], a[z]) { pick = y } else if less(a[x], a[z]) { pick = z } else { pick = x }
        } else if less(a[x], a[z]) {
            pick = x
        } else if less(a[y], a[z]) {
            pick = z
        } else {
            pick = y
        }
        swap(a, result, pick)
    }

    static func unguardedPartition(_ a: UnsafeMutablePointer<UInt64>, _ firstIn: Int, _ lastIn: Int, _ pivot: Int) -> Int {
        var first = firstIn, last = lastIn
        let p = a[pivot]
        while true {
            while less(a[first], p) { first += 1 }
            last -= 1
            while less(p, a[last]) { last -= 1 }
            if !(first < last) { return first }
            swap(a, first, last)
            first += 1
        }
    }

    static func insertionSort(_ a: UnsafeMutablePointer<UInt64>, _ first: Int, _ last: Int) {
        guard last - first > 1 else { return }
        for i in (first + 1)..<last {
            let v = a[i]
            if less(v, a[first]) {
                var j = i
                while j > first { a[j] = a[j - 1]; j -= 1 }
                a[first] = v
            } else {
                var j = i
                while less(v, a[j - 1]) { a[j] = a[j - 1]; j -= 1 }
                a[j] = v
            }
        }
    }

    // libstdc++'s partial_sort(first, last, last): make_heap then sort_heap.
    static func heapSort(_ a: UnsafeMutablePointer<UInt64>, _ first: Int, _ last: Int) {
        let base = a + first
        let len = last - first
        guard len > 1 else { return }
        var parent = (len - 2) / 2
        while true {
            adjustHeap(base, parent, len, base[parent])
            if parent == 0 { break }
            parent -= 1
        }
        var end = len
        while end > 1 {
            end -= 1
            let value = base[end]
            base[end] = base[0]
            adjustHeap(base, 0, end, value)
        }
    }

    static func adjustHeap(_ a: UnsafeMutablePointer<UInt64>, _ holeIn: Int, _ len: Int, _ value: UInt64) {
        var hole = holeIn
        let top = hole
        var child = hole
        while child < (len - 1) / 2 {
            child = 2 * (child + 1)
            if less(a[child], a[child - 1]) { child -= 1 }
            a[hole] = a[child]
            hole = child
        }
        if len & 1 == 0 && child == (len - 2) / 2 {
            child = 2 * (child + 1)
            a[hole] = a[child - 1]
            hole = child - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && less(a[parent], value) {
            a[hole] = a[parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        a[hole] = value
    }
}
