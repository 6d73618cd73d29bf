#if canImport(Glibc)
import Glibc
#endif

/// glibc's allocator hands every large buffer (above 128 KB to 32 MB) back to the
/// kernel on free, so the next tensor's buffers are fresh pages that fault in one
/// by one (millions of page faults over a merge). Keeping large blocks in the
/// heap lets workers reuse them; resident memory stays bounded by the peak in use.
enum AllocatorTuning {
    /// `mallopt` parameters from `<malloc.h>` (not exported by the Glibc module).
    static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    static func reuseLargeBuffers() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(mmapThreshold, 256 << 20)
        _ = mallopt(trimThreshold, 1 << 30)
        #endif
    }
}
