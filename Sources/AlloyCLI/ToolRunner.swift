import AlloyFormat
import AlloyMath
import ArgumentParser
import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Start-up and error handling shared by every tool's `main`.
public enum ToolRunner {
    /// The hidden option that prints the tool's manual page (see `ManualPage`).
    public static let manualPageFlag = "--generate-man-page"

    /// The tool's interface, as its own `--experimental-dump-help` prints it.
    static func ownInterface() throws -> JSONValue {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--experimental-dump-help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONParser.parse([UInt8](data))
    }

    /// The hidden option that prints OpenBLAS's core name.
    public static let debugBLASCoreFlag = "--debug-blas-core"

    /// Call first in `main`: picks OpenBLAS's fast kernels (may re-execute the
    /// process), and removes uncommitted outputs when interrupted.
    ///
    /// Every tool also accepts the hidden `--debug-blas-core`, which prints the
    /// kernel set OpenBLAS is using (`SkylakeX`, `Haswell`, ...) and exits: the
    /// tests use it to prove the tools pick the fast kernels on their own.
    public static func prepare(toolName: String) {
        Diagnostics.toolName = toolName
        BLASRuntime.ensureFastKernels()
        if CommandLine.arguments.dropFirst().contains(debugBLASCoreFlag) {
            StandardOutput.line(BLASRuntime.coreName)
            exit(0)
        }
        if CommandLine.arguments.dropFirst().contains(manualPageFlag) {
            do {
                FileHandle.standardOutput.write(Data(try ManualPage.render(dumpHelp: ownInterface()).utf8))
                exit(0)
            } catch {
                Diagnostics.error(error)
                exit(ExitStatus.failure.rawValue)
            }
        }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                PartialOutputs.shared.removeAll()
                _exit(sig == SIGINT ? 130 : 128 + sig)
            }
        }
    }

    /// Runs a tool's work, turning thrown errors into one stderr line and an exit status:
    /// `AlloyError` of category `invalidData` → `invalidDataStatus` (2 unless the tool
    /// checks validity), every other error → 2. A returned non-zero status exits with it.
    public static func run(invalidDataStatus: ExitStatus = .failure, _ body: () throws -> ExitStatus) throws {
        let status: ExitStatus
        do {
            status = try body()
        } catch let e as ExitCode {
            throw e
        } catch let e as AlloyError {
            Diagnostics.error(e)
            throw ExitCode(e.category == .invalidData ? invalidDataStatus.rawValue : ExitStatus.failure.rawValue)
        } catch let e as CleanExit {
            throw e
        } catch {
            Diagnostics.error(error)
            throw ExitCode(ExitStatus.failure.rawValue)
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
