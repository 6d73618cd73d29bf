import Foundation

/// Where the tests find their data.
enum TestPaths {
    /// The package root (two levels above this file's folder).
    static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    /// `../shared/fixtures` beside the package root.
    static let sharedFixtures = (packageRoot as NSString).appendingPathComponent("../shared/fixtures")

    /// A model directory under the shared fixtures.
    static func model(_ name: String) -> String { "\(sharedFixtures)/models/\(name)" }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let p = NSTemporaryDirectory() + "alloy-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
