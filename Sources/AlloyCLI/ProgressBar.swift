import Foundation

/// A progress line on stderr, drawn only when stderr is a terminal and the tool is not quiet.
public final class ProgressBar: @unchecked Sendable {
    let label: String
    let total: Int
    let enabled: Bool
    private let lock = NSLock()
    private var done = 0
    private var lastDraw = Date.distantPast
    private let start = Date()

    public init(_ label: String, total: Int) {
        self.label = label
        self.total = total
        self.enabled = Diagnostics.stderrIsTerminal && Diagnostics.verbosity >= 1
    }

    /// Marks `n` more units done.
    public func advance(by n: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        let width = 30
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        FileHandle.standardError.write(Data(String(format: "\r%@ [%@] %d/%d %.1fs", label, bar, done, total, elapsed).utf8))
    }

    /// Clears the line.
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
