/// A parsed and validated safetensors header.
///
/// Validation follows the reference reader (header at most 100,000,000 bytes, a
/// JSON object, known dtypes, `data_offsets` contiguous from 0 with no holes or
/// overlaps, byte length = element count × dtype size with checked arithmetic,
/// and no trailing bytes), and also rejects duplicate keys. Common real-world
/// failures (Git-LFS pointers, truncated downloads, HTML error pages) are named.
public struct SafetensorsHeader: Sendable {
    /// The reference reader's limit on the header length.
    public static let maxHeaderSize = 100_000_000

    /// Tensors in data order (sorted by `data_offsets`).
    public let tensors: [TensorInfo]
    /// `__metadata__`, in document order.
    public let metadata: [(String, String)]?
    /// Length of the JSON header in bytes (the `N` of the layout).
    public let headerLength: Int
    /// Every rule the file breaks; empty for a valid file.
    public let violations: [AlloyError]

    /// Offset of the data section from the start of the file.
    public var dataStart: Int { 8 + headerLength }

    /// Parses the header of a file whose bytes are `file`, whose name (for messages) is `path`.
    ///
    /// Structural failures (no readable JSON object) throw. Rule violations that still
    /// leave a usable tensor list are collected in `violations`, so a report can show both.
    public static func parse(_ file: UnsafeRawBufferPointer, path: String) throws -> SafetensorsHeader {
        func fail(_ code: String, _ what: String, hint: String? = nil) -> AlloyError {
            AlloyError(.invalidData, code: code, "\(path): \(what)", hint: hint)
        }
        if let special = recognizeNonSafetensors(file, path: path) { throw special }
        guard file.count >= 8 else {
            throw fail("header_too_small", "file is \(file.count) bytes, too short to hold a safetensors header",
                       hint: "the download is probably truncated; fetch the file again")
        }
        let n = file.loadUnaligned(as: UInt64.self).littleEndian
        guard n <= UInt64(maxHeaderSize) else {
            throw fail("header_too_large", "header length \(n) exceeds the 100,000,000-byte limit; not a safetensors file or corrupt")
        }
        let headerLength = Int(n)
        guard 8 + headerLength <= file.count else {
            throw fail("invalid_header_length",
                       "header claims \(headerLength) bytes but the file has only \(file.count - 8) after the length field",
                       hint: "the file is truncated; download it again")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        guard headerLength > 0 else { throw fail("invalid_header", "header is empty") }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("invalid_header", "header is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(headerBytes, options: .init(rejectDuplicateKeys: true))
        } catch let error as JSONParseError {
            if error.reason.hasPrefix("duplicate key") {
                throw fail("duplicate_key", "header names \(error.reason.dropFirst(14)) twice")
            }
            throw fail("invalid_header_deserialization", "header is not valid JSON (\(error))")
        } catch {
            throw fail("invalid_header_deserialization", "header is not valid JSON (\(error))")
        }
        guard case .object(let members) = json else {
            throw fail("invalid_header_deserialization", "header is not a JSON object")
        }

        var violations: [AlloyError] = []
        var metadata: [(String, String)]?
        var tensors: [TensorInfo] = []
        for (key, value) in members {
            if key == "__metadata__" {
                if value.isNull { continue }
                guard case .object(let entries) = value else {
                    throw fail("invalid_header_deserialization", "__metadata__ is not an object of strings")
                }
                var pairs: [(String, String)] = []
                for (k, v) in entries {
                    guard case .string(let s) = v else {
                        throw fail("invalid_header_deserialization", "__metadata__ value \"\(k)\" is not a string")
                    }
                    pairs.append((k, s))
                }
                metadata = pairs
                continue
            }
            tensors.append(try parseEntry(key, value, fail: fail))
        }

        // Sizes: checked element count × bits, whole bytes, and the declared byte range.
        for t in tensors {
            var elements = 1
            var overflow = false
            for d in t.shape {
                let (p, o) = elements.multipliedReportingOverflow(by: d)
                elements = p
                overflow = overflow || o
            }
            let (bits, o2) = elements.multipliedReportingOverflow(by: t.dtype.bitWidth)
            if overflow || o2 {
                // A size that cannot be computed leaves nothing to report on: refuse the file.
                throw fail("validation_overflow", "tensor \"\(t.name)\" has a shape \(t.shape) whose size overflows")
            }
            if bits % 8 != 0 {
                violations.append(fail("misaligned_slice", "tensor \"\(t.name)\" of \(t.dtype.rawValue) does not fill whole bytes"))
            } else if t.end < t.begin || bits / 8 != t.end - t.begin {
                violations.append(fail("tensor_invalid_info",
                    "tensor \"\(t.name)\" (\(t.dtype.rawValue) \(t.shape)) needs \(bits / 8) bytes but data_offsets span \(t.end - t.begin)"))
            }
        }

        // Offsets: sorted, contiguous from 0, no holes or overlaps.
        tensors.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        for t in tensors {
            if t.begin != expected || t.end < t.begin {
                let what = t.begin > expected ? "leaves a hole before it (expected offset \(expected))"
                    : "overlaps the previous tensor (expected offset \(expected))"
                violations.append(fail("invalid_offset", "tensor \"\(t.name)\" data_offsets [\(t.begin), \(t.end)] \(what)"))
            }
            expected = max(expected, t.end)
        }
        let dataLength = file.count - 8 - headerLength
        if expected != dataLength {
            if expected > dataLength {
                violations.append(fail("metadata_incomplete_buffer",
                    "tensor data needs \(expected) bytes but the file holds \(dataLength)",
                    hint: "the file is truncated; download it again"))
            } else {
                violations.append(fail("metadata_incomplete_buffer",
                    "\(dataLength - expected) bytes follow the last tensor (trailing data is not allowed)"))
            }
        }
        return SafetensorsHeader(tensors: tensors, metadata: metadata, headerLength: headerLength, violations: violations)
    }

    static func parseEntry(_ name: String, _ value: JSONValue, fail: (String, String, String?) -> AlloyError) throws -> TensorInfo {
        guard case .object(let fields) = value else {
            throw fail("invalid_header_deserialization", "entry \"\(name)\" is not an object", nil)
        }
        var dtype: DType?
        var shape: [Int]?
        var offsets: [Int]?
        for (k, v) in fields {
            switch k {
            case "dtype":
                guard let s = v.stringValue else { throw fail("invalid_header_deserialization", "tensor \"\(name)\": dtype is not a string", nil) }
                guard let d = DType(rawValue: s) else {
                    throw fail("unknown_dtype", "tensor \"\(name)\" has unknown dtype \"\(s)\"", nil)
                }
                dtype = d
            case "shape":
                shape = try nonNegativeIntegers(v, name: name, field: "shape", fail: fail)
            case "data_offsets":
                offsets = try nonNegativeIntegers(v, name: name, field: "data_offsets", fail: fail)
                guard offsets!.count == 2 else {
                    throw fail("invalid_header_deserialization", "tensor \"\(name)\": data_offsets must hold two integers", nil)
                }
            default:
                throw fail("invalid_header_deserialization", "tensor \"\(name)\" has an unknown field \"\(k)\"", nil)
            }
        }
        guard let dtype, let shape, let offsets else {
            throw fail("invalid_header_deserialization", "tensor \"\(name)\" lacks dtype, shape or data_offsets", nil)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    static func nonNegativeIntegers(_ v: JSONValue, name: String, field: String, fail: (String, String, String?) -> AlloyError) throws -> [Int] {
        guard case .array(let items) = v else {
            throw fail("invalid_header_deserialization", "tensor \"\(name)\": \(field) is not an array", nil)
        }
        var out: [Int] = []
        for item in items {
            guard case .number(let text) = item, let i = Int(text), i >= 0 else {
                throw fail("invalid_header_deserialization", "tensor \"\(name)\": \(field) holds something other than a non-negative integer", nil)
            }
            out.append(i)
        }
        return out
    }

    /// Names the usual impostors: Git-LFS pointers, HTML pages, JSON or text where weights were expected.
    static func recognizeNonSafetensors(_ file: UnsafeRawBufferPointer, path: String) -> AlloyError? {
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: file[0..<min(file.count, 512)]), as: UTF8.self)
        if head.hasPrefix("version https://git-lfs") {
            return AlloyError(.invalidData, code: "git_lfs_pointer", "\(path): is a Git-LFS pointer, not the weights",
                              hint: "run `git lfs pull` in the model's repository, or download the file itself")
        }
        let trimmed = head.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).lowercased()
        if trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html") || trimmed.hasPrefix("<?xml") {
            return AlloyError(.invalidData, code: "html_page", "\(path): is an HTML/XML page, not safetensors",
                              hint: "the download returned an error or login page; fetch the file again with access")
        }
        if file.count >= 8 {
            // A JSON or text file: its first 8 bytes decode to an absurd header length.
            let n = file.loadUnaligned(as: UInt64.self).littleEndian
            if n > UInt64(maxHeaderSize), trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
                return AlloyError(.invalidData, code: "not_safetensors", "\(path): is a JSON file, not safetensors")
            }
        }
        return nil
    }
}

extension Array where Element == (String, String) {
    /// The value for `key`, if present.
    public func value(for key: String) -> String? { first(where: { $0.0 == key })?.1 }
}
