#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes one `.safetensors` file whose tensors are known in advance, accepting
/// their data in any order and from any thread.
///
/// The layout follows the reference writer: tensors sorted by dtype (descending)
/// then name, the header padded with spaces to a multiple of 8 bytes, and
/// `__metadata__` holding `"format": "pt"`. Each tensor's bytes go straight to
/// their final offset with `pwrite`, so nothing but the tensor at hand is in memory.
///
/// The file is written under a hidden temporary name beside `path` and renamed
/// into place by `finish()`, so `path` never holds a partial file (and a file
/// still memory-mapped at `path` is never truncated); an unfinished writer
/// deletes its temporary file.
public final class SafetensorsWriter: @unchecked Sendable {
    /// Where the finished file will be.
    public let path: String
    /// Where the file is written until `finish()`.
    public let temporaryPath: String
    let fd: Int32
    let dataStart: Int
    let offsets: [String: (spec: TensorSpec, begin: Int)]
    private let lock = NSLock()
    private var written = Set<String>()
    /// Bytes received so far of tensors written in parts.
    private var partial: [String: Int] = [:]
    private var closed = false

    /// Creates the temporary file for `path` and writes its header.
    public init(path: String, tensors: [TensorSpec], metadata: [(String, String)] = []) throws {
        self.path = path
        for t in tensors where t.elementCount * t.dtype.bitWidth % 8 != 0 {
            throw AlloyError(.unsupported, code: "misaligned_slice", "\(path): tensor \"\(t.name)\" does not fill whole bytes")
        }
        let ordered = tensors.sorted { ($1.dtype, $0.name) < ($0.dtype, $1.name) }
        var members: [(String, JSONValue)] = []
        var meta = metadata
        if meta.value(for: "format") == nil { meta.insert(("format", "pt"), at: 0) }
        members.append(("__metadata__", .object(meta.map { ($0.0, .string($0.1)) })))
        var offsets: [String: (spec: TensorSpec, begin: Int)] = [:]
        var cursor = 0
        for t in ordered {
            guard offsets[t.name] == nil else {
                throw AlloyError(.invalidData, code: "duplicate_key", "\(path): tensor \"\(t.name)\" given twice")
            }
            offsets[t.name] = (t, cursor)
            members.append((t.name, .object([
                ("dtype", .string(t.dtype.rawValue)),
                ("shape", .array(t.shape.map { .int($0) })),
                ("data_offsets", .array([.int(cursor), .int(cursor + t.byteCount)])),
            ])))
            cursor += t.byteCount
        }
        var header = Array(JSONWriter.compact.string(.object(members)).utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        guard header.count <= SafetensorsHeader.maxHeaderSize else {
            throw AlloyError(.unsupported, code: "header_too_large", "\(path): header would exceed 100,000,000 bytes")
        }
        self.offsets = offsets
        dataStart = 8 + header.count
        temporaryPath = SafetensorsWriter.temporaryName(for: path)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AlloyError.io(path, MappedFile.errnoText("cannot create")) }
        PartialOutputs.shared.register(temporaryPath)
        var prefix = [UInt8](repeating: 0, count: 8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { for i in 0..<8 { prefix[i] = $0[i] } }
        prefix += header
        do {
            try prefix.withUnsafeBytes { (b) throws in try writeAll(b, at: 0) }
            if ftruncate(fd, off_t(dataStart + cursor)) != 0 { throw AlloyError.io(path, MappedFile.errnoText("cannot size")) }
        } catch {
            Glibc.close(fd)
            closed = true
            discardTemporaryFile()
            throw error
        }
    }

    deinit {
        if !closed {
            Glibc.close(fd)
            discardTemporaryFile()
        }
    }

    /// A hidden sibling of `path`, unique to this process and writer.
    static func temporaryName(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let serial = temporarySerial.next()
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())-\(serial)").path
    }

    private static let temporarySerial = Counter()

    private func discardTemporaryFile() {
        unlink(temporaryPath)
        PartialOutputs.shared.unregister(temporaryPath)
    }

    /// The total size the file will have.
    public var fileSize: Int { dataStart + offsets.values.reduce(0) { $0 + $1.spec.byteCount } }

    /// Writes the raw bytes of tensor `name` (already in its dtype).
    public func write(_ name: String, bytes: UnsafeRawBufferPointer) throws {
        guard let entry = offsets[name] else {
            throw AlloyError(.invalidData, code: "unexpected_tensor", "\(path): tensor \"\(name)\" was not planned for this file")
        }
        guard bytes.count == entry.spec.byteCount else {
            throw AlloyError(.mismatch, code: "size_mismatch",
                             "\(path): tensor \"\(name)\" has \(bytes.count) bytes, expected \(entry.spec.byteCount)")
        }
        try writeAll(bytes, at: dataStart + entry.begin)
        lock.lock()
        written.insert(name)
        lock.unlock()
    }

    /// Encodes `values` to the tensor's dtype and writes them.
    public func write(_ name: String, values: [Float]) throws {
        guard let entry = offsets[name] else {
            throw AlloyError(.invalidData, code: "unexpected_tensor", "\(path): tensor \"\(name)\" was not planned for this file")
        }
        guard values.count == entry.spec.elementCount else {
            throw AlloyError(.mismatch, code: "size_mismatch",
                             "\(path): tensor \"\(name)\" has \(values.count) values, expected \(entry.spec.elementCount) for shape \(entry.spec.shape)")
        }
        let dtype = entry.spec.dtype
        guard dtype.isEncodable else {
            throw AlloyError(.unsupported, code: "unsupported_dtype", "\(path): cannot write \(dtype.rawValue) tensors from floats")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(entry.spec.byteCount, 1), alignment: 64)
        defer { buffer.deallocate() }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<entry.spec.byteCount])
        values.withUnsafeBufferPointer { ElementCodec.encode($0, dtype: dtype, into: target) }
        try write(name, bytes: UnsafeRawBufferPointer(target))
    }

    /// Encodes `values` and writes them as elements `elementOffset ..< elementOffset + values.count`
    /// of tensor `name`, so a large tensor can be produced block by block. The tensor
    /// counts as written once all of its bytes have arrived.
    public func write(_ name: String, elementOffset: Int, values: UnsafeBufferPointer<Float>) throws {
        guard let entry = offsets[name] else {
            throw AlloyError(.invalidData, code: "unexpected_tensor", "\(path): tensor \"\(name)\" was not planned for this file")
        }
        let dtype = entry.spec.dtype
        guard dtype.isEncodable, dtype.bitWidth % 8 == 0 else {
            throw AlloyError(.unsupported, code: "unsupported_dtype", "\(path): cannot write \(dtype.rawValue) tensors from floats")
        }
        guard elementOffset >= 0, elementOffset + values.count <= entry.spec.elementCount else {
            throw AlloyError(.mismatch, code: "size_mismatch",
                             "\(path): elements \(elementOffset)..<\(elementOffset + values.count) lie outside tensor \"\(name)\" (\(entry.spec.elementCount) elements)")
        }
        let width = dtype.bitWidth / 8
        let count = values.count * width
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        defer { buffer.deallocate() }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
        ElementCodec.encode(values, dtype: dtype, into: target)
        try writeAll(UnsafeRawBufferPointer(target), at: dataStart + entry.begin + elementOffset * width)
        lock.lock()
        partial[name, default: 0] += count
        if partial[name]! >= entry.spec.byteCount { written.insert(name); partial[name] = nil }
        lock.unlock()
    }

    /// Checks every tensor was written, closes the file and renames it to `path`.
    public func finish() throws {
        lock.lock()
        let missing = offsets.keys.filter { !written.contains($0) }.sorted()
        lock.unlock()
        guard missing.isEmpty else {
            throw AlloyError(.io, code: "incomplete_output", "\(path): \(missing.count) tensors were never written (first: \(missing[0]))")
        }
        closed = true
        if Glibc.close(fd) != 0 {
            let error = AlloyError.io(path, MappedFile.errnoText("cannot close"))
            discardTemporaryFile()
            throw error
        }
        if rename(temporaryPath, path) != 0 {
            let error = AlloyError.io(path, MappedFile.errnoText("cannot move the finished file into place"))
            discardTemporaryFile()
            throw error
        }
        PartialOutputs.shared.unregister(temporaryPath)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw AlloyError.io(path, MappedFile.errnoText("write failed"))
            }
            done += n
        }
    }
}

/// A thread-safe increasing counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
