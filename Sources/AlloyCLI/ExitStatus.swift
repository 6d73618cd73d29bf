
/// The exit statuses every Alloy tool uses, as diff(1) and sysexits do.
public enum ExitStatus: Int32, Sendable {
    /// Success; for checking tools, "equal" or "valid".
    case success = 0
    /// A negative answer: differences found, file invalid.
    case negative = 1
    /// The tool could not do its job (unreadable input, bad configuration, I/O error).
    case failure = 2
    /// The command line is wrong.
    case usage = 64
    /// Stopped by a signal.
    case interrupted = 130
}
