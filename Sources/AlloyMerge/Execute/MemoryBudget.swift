import Foundation

/// A counting limit on the bytes that tensors in flight may hold, so workers
/// never hold several large tensors (embeddings, LM heads) at once. A single
/// request larger than the whole budget still runs, alone.
final class MemoryBudget: @unchecked Sendable {
    let capacity: Int
    private var used = 0
    private let condition = NSCondition()

    init(bytes: Int) { capacity = max(bytes, 1) }

    /// Waits until `bytes` (capped at the capacity) fit, then reserves them.
    func acquire(_ bytes: Int) -> Int {
        let want = min(max(bytes, 0), capacity)
        condition.lock()
        while used + want > capacity { condition.wait() }
        used += want
        condition.unlock()
        return want
    }

    /// Returns bytes reserved by `acquire`.
    func release(_ reserved: Int) {
        condition.lock()
        used -= reserved
        condition.broadcast()
        condition.unlock()
    }
}
