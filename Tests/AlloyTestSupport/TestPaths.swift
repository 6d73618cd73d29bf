import Foundation

/// Where the tests find their data (shared by every test target).
public enum TestPaths {
    /// The package root (two levels above this file's folder).
    public static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// `../shared/fixtures` beside the package root.
    public static let sharedFixtures = (packageRoot as NSString).appendingPathComponent("../shared/fixtures")

    /// A model directory under the shared fixtures.
    public static func model(_ name: String) -> String { "\(sharedFixtures)/models/\(name)" }

    /// A fresh temporary directory whose name starts with `prefix`.
    public static func temporaryDirectory(prefix: String = "alloy-test-") -> String {
        let p = NSTemporaryDirectory() + prefix + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
