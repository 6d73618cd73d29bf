import AlloyMath
import Foundation

/// Runs a reduction over many tensors in parallel, splitting large tensors into
/// pieces so every thread has work, and hands back each tensor's partial results
/// in element order (so merged results do not depend on thread timing).
enum PiecewiseReduction {
    /// Elements per piece: large enough to amortise scheduling, small enough to balance load.
    static let defaultPieceElements = 1 << 20

    /// Calls `compute(item, range)` for pieces of `0..<counts[item]` on up to `threads`
    /// threads, and `finished(item)` once all of an item's pieces are done.
    ///
    /// - Returns: per item, the partial results in range order, or the first error a piece threw.
    static func run<Partial>(counts: [Int], threads: Int, pieceElements: Int = defaultPieceElements,
                             compute: (Int, Range<Int>) throws -> Partial,
                             finished: (Int) -> Void = { _ in }) -> [Result<[Partial], Error>] {
        var pieces: [(item: Int, slot: Int, range: Range<Int>)] = []
        var slots = [Int](repeating: 0, count: counts.count)
        for (item, count) in counts.enumerated() {
            var start = 0
            repeat {
                let end = min(count, start + pieceElements)
                pieces.append((item, slots[item], start..<end))
                slots[item] += 1
                start = end
            } while start < count
        }
        let state = State<Partial>(slots: slots)
        // Pieces never throw out of the loop: their errors are recorded per item.
        try? Parallel.forEach(pieces.count, threads: threads) { p in
            let piece = pieces[p]
            let outcome: Result<Partial, Error>
            if state.hasFailed(piece.item) {
                outcome = .failure(CancellationError())
            } else {
                do { outcome = .success(try compute(piece.item, piece.range)) } catch { outcome = .failure(error) }
            }
            if state.record(outcome, item: piece.item, slot: piece.slot) { finished(piece.item) }
        }
        return state.results()
    }

    final class State<Partial>: @unchecked Sendable {
        private let lock = NSLock()
        private var partials: [[Partial?]]
        private var remaining: [Int]
        private var errors: [Error?]

        init(slots: [Int]) {
            partials = slots.map { [Partial?](repeating: nil, count: $0) }
            remaining = slots
            errors = [Error?](repeating: nil, count: slots.count)
        }

        func hasFailed(_ item: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return errors[item] != nil
        }

        /// Stores a piece's outcome; true when it was the item's last piece.
        func record(_ outcome: Result<Partial, Error>, item: Int, slot: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            switch outcome {
            case .success(let p): partials[item][slot] = p
            case .failure(let e): if errors[item] == nil || errors[item] is CancellationError { errors[item] = e }
            }
            remaining[item] -= 1
            return remaining[item] == 0
        }

        func results() -> [Result<[Partial], Error>] {
            lock.lock()
            defer { lock.unlock() }
            return partials.indices.map { i in
                if let e = errors[i] { return .failure(e) }
                return .success(partials[i].compactMap { $0 })
            }
        }
    }
}
