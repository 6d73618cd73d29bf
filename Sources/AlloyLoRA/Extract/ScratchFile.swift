#if canImport(Glibc)
import AlloyFormat
import Glibc
#endif
import Foundation

/// An append-only temporary file for results whose final layout is known only at the end
/// (factor ranks chosen per module): keeps them off the heap until they are copied out.
final class ScratchFile: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var end = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AlloyError.io(path, MappedFile.errnoText("cannot create")) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Stores `values` encoded as `dtype`; returns where they are.
    func append(_ values: [Float], dtype: DType) throws -> Range<Int> {
        let count = (values.count * dtype.bitWidth + 7) / 8
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        defer { buffer.deallocate() }
        values.withUnsafeBufferPointer { ElementCodec.encode($0, dtype: dtype, into: buffer) }
        lock.lock()
        let offset = end
        end += count
        lock.unlock()
        var done = 0
        while done < count {
            let n = pwrite(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw AlloyError.io(path, MappedFile.errnoText("write failed"))
            }
            done += n
        }
        return offset..<(offset + count)
    }

    /// Reads back a stored range and hands it to `body`.
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(range.count, 1), alignment: 64)
        defer { buffer.deallocate() }
        var done = 0
        while done < range.count {
            let n = pread(fd, buffer.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw AlloyError.io(path, MappedFile.errnoText("read failed"))
            }
            if n == 0 { throw AlloyError.io(path, "unexpected end of scratch file") }
            done += n
        }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[0..<range.count]))
    }
}
