import Foundation

/// A directory that appears at its final path only when complete.
///
/// Work happens in a hidden sibling (`.NAME.partial-PID`); `commit()` renames it
/// into place, or, when the final directory already exists, moves the new files
/// into it and removes weight files and indexes the new output does not have, so
/// no stale shard can be mixed with new ones. A run that fails or is interrupted
/// leaves the final path as it was.
public final class OutputDirectory: @unchecked Sendable {
    /// Where the result will be.
    public let finalPath: String
    /// Where to write while working.
    public let workingPath: String
    private var committed = false

    /// Prepares a working directory next to `path`.
    public init(_ path: String) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        finalPath = url.path
        let parent = url.deletingLastPathComponent().path
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: finalPath, isDirectory: &isDir), !isDir.boolValue {
            throw AlloyError.io(path, "exists and is not a directory")
        }
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw AlloyError.io(parent, "cannot create the parent directory: \(error.localizedDescription)")
        }
        workingPath = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(atPath: workingPath)
        do {
            try fm.createDirectory(atPath: workingPath, withIntermediateDirectories: false)
        } catch {
            throw AlloyError.io(workingPath, "cannot create: \(error.localizedDescription)")
        }
        PartialOutputs.shared.register(workingPath)
    }

    deinit { if !committed { abandon() } }

    /// A path inside the working directory.
    public func path(_ name: String) -> String { (workingPath as NSString).appendingPathComponent(name) }

    /// Moves the finished output into place.
    public func commit() throws {
        let fm = FileManager.default
        do {
            if !fm.fileExists(atPath: finalPath) {
                try fm.moveItem(atPath: workingPath, toPath: finalPath)
            } else {
                let fresh = Set(try fm.contentsOfDirectory(atPath: workingPath))
                for old in try fm.contentsOfDirectory(atPath: finalPath) where !fresh.contains(old) {
                    if old.hasSuffix(".safetensors") || old.hasSuffix(".safetensors.index.json") {
                        try fm.removeItem(atPath: (finalPath as NSString).appendingPathComponent(old))
                    }
                }
                for name in fresh {
                    let target = (finalPath as NSString).appendingPathComponent(name)
                    if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                    try fm.moveItem(atPath: path(name), toPath: target)
                }
                try fm.removeItem(atPath: workingPath)
            }
        } catch {
            throw AlloyError.io(finalPath, "cannot move the finished output into place: \(error.localizedDescription)")
        }
        committed = true
        PartialOutputs.shared.unregister(workingPath)
    }

    /// Deletes the working directory.
    public func abandon() {
        try? FileManager.default.removeItem(atPath: workingPath)
        PartialOutputs.shared.unregister(workingPath)
    }
}

/// Working directories not yet committed; removed by `removeAll()` when a signal ends the process.
public final class PartialOutputs: @unchecked Sendable {
    public static let shared = PartialOutputs()
    private let lock = NSLock()
    private var paths = Set<String>()

    func register(_ p: String) { lock.lock(); paths.insert(p); lock.unlock() }
    func unregister(_ p: String) { lock.lock(); paths.remove(p); lock.unlock() }

    /// Removes every uncommitted working directory.
    public func removeAll() {
        lock.lock()
        let all = paths
        paths.removeAll()
        lock.unlock()
        for p in all { try? FileManager.default.removeItem(atPath: p) }
    }
}
