import Dispatch
import Foundation

/// A value handed across threads whose safety the caller guarantees
/// (typically a pointer to disjoint parts of one buffer).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}

/// Work spread over threads.
public enum Parallel {
    /// Worker threads to use by default: the number of online CPUs.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Runs `body(i)` for every `i` in `0..<count` on up to `threads` threads,
    /// handing out indices in order. The first error stops new work and is rethrown.
    public static func forEach(_ count: Int, threads: Int = defaultThreads, _ body: (Int) throws -> Void) throws {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { try body(i) }
            return
        }
        let state = SharedState()
        try withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let i = state.next(limit: count) {
                    do { try box.value(i) } catch { state.fail(error) }
                }
            }
        }
        if let error = state.error { throw error }
    }

    /// Splits `0..<count` into at most `threads` contiguous chunks and runs `body(range)` on each.
    public static func forChunks(_ count: Int, threads: Int = defaultThreads, minimumChunk: Int = 1 << 16,
                                 _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(threads, count / max(minimumChunk, 1)))
        if chunks == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks, hi = count * (c + 1) / chunks
                box.value(lo..<hi)
            }
        }
    }

    final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private var cursor = 0
        private(set) var error: Error?

        func next(limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard error == nil, cursor < limit else { return nil }
            cursor += 1
            return cursor - 1
        }

        func fail(_ e: Error) {
            lock.lock()
            if error == nil { error = e }
            lock.unlock()
        }
    }
}
