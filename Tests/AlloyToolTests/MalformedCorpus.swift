import Foundation

/// Broken safetensors files and shard sets, built byte by byte, each with the
/// error code Alloy must give and a fragment of the message it must print.
struct MalformedCase: Sendable, CustomStringConvertible {
    var name: String
    /// Files to create (name → bytes); the input is `input` inside the case's directory.
    var files: [String: [UInt8]]
    var input: String
    var code: String
    var messageFragment: String
    /// True when a lenient reader still lists tensors (the rule is reported as a violation).
    var lenient: Bool
    var description: String { name }
}

enum MalformedCorpus {
    /// A file: 8-byte little-endian length, the header bytes, the data.
    static func file(header: [UInt8], data: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + data
    }

    static func file(_ header: String, data: [UInt8] = []) -> [UInt8] { file(header: Array(header.utf8), data: data) }

    static func f32(_ name: String, _ shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    static func single(_ name: String, _ bytes: [UInt8], code: String, messageFragment fragment: String, lenient: Bool = false) -> MalformedCase {
        MalformedCase(name: name, files: ["model.safetensors": bytes], input: "model.safetensors", code: code,
                      messageFragment: fragment, lenient: lenient)
    }

    static let zeros16 = [UInt8](repeating: 0, count: 16)

    static let cases: [MalformedCase] = [
        single("empty file", [], code: "header_too_small", messageFragment: "too short"),
        single("five bytes", [1, 2, 3, 4, 5], code: "header_too_small", messageFragment: "too short"),
        single("git-lfs pointer",
               Array("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 402512\n".utf8),
               code: "git_lfs_pointer", messageFragment: "Git-LFS pointer"),
        single("html error page", Array("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n".utf8),
               code: "html_page", messageFragment: "HTML"),
        single("json instead of weights", Array("{\n  \"architectures\": [\"LlamaForCausalLM\"]\n}\n".utf8),
               code: "not_safetensors", messageFragment: "JSON file"),
        single("header length over 100 MB", withUnsafeBytes(of: UInt64(200_000_000).littleEndian, Array.init) + zeros16,
               code: "header_too_large", messageFragment: "100,000,000"),
        single("header longer than the file", withUnsafeBytes(of: UInt64(1000).littleEndian, Array.init) + Array("{\"a\":".utf8),
               code: "invalid_header_length", messageFragment: "truncated"),
        single("header not UTF-8", file(header: [0x7B, 0xFF, 0xFE, 0x7D]), code: "invalid_header", messageFragment: "UTF-8"),
        single("header not JSON", file("{\"a\": {\"dtype\": "), code: "invalid_header_deserialization", messageFragment: "not valid JSON"),
        single("header an array", file("[]"), code: "invalid_header_deserialization", messageFragment: "not a JSON object"),
        single("unknown dtype", file("{" + f32("w", [4], 0, 16, dtype: "F12") + "}", data: zeros16),
               code: "unknown_dtype", messageFragment: "unknown dtype \"F12\""),
        single("duplicate tensor name", file("{" + f32("w", [4], 0, 16) + "," + f32("w", [4], 16, 32) + "}", data: zeros16 + zeros16),
               code: "duplicate_key", messageFragment: "\"w\" twice"),
        single("extra field in an entry",
               file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"strides\":[1]}}", data: zeros16),
               code: "invalid_header_deserialization", messageFragment: "unknown field \"strides\""),
        single("negative offset", file("{" + f32("w", [4], -16, 0) + "}", data: zeros16),
               code: "invalid_header_deserialization", messageFragment: "non-negative integer"),
        single("metadata value not a string", file("{\"__metadata__\":{\"format\":1}," + f32("w", [4], 0, 16) + "}", data: zeros16),
               code: "invalid_header_deserialization", messageFragment: "\"format\" is not a string"),
        single("shape overflows", file("{" + f32("w", [1 << 40, 1 << 40], 0, 16) + "}", data: zeros16),
               code: "validation_overflow", messageFragment: "overflows"),
        single("hole between tensors", file("{" + f32("a", [4], 0, 16) + "," + f32("b", [4], 20, 36) + "}",
                                            data: [UInt8](repeating: 0, count: 36)),
               code: "invalid_offset", messageFragment: "hole", lenient: true),
        single("overlapping tensors", file("{" + f32("a", [4], 0, 16) + "," + f32("b", [4], 8, 24) + "}",
                                           data: [UInt8](repeating: 0, count: 24)),
               code: "invalid_offset", messageFragment: "overlaps", lenient: true),
        single("data not starting at 0", file("{" + f32("a", [2], 8, 16) + "}", data: zeros16),
               code: "invalid_offset", messageFragment: "hole", lenient: true),
        single("byte length not dtype size × shape", file("{" + f32("a", [3], 0, 16) + "}", data: zeros16),
               code: "tensor_invalid_info", messageFragment: "needs 12 bytes", lenient: true),
        single("trailing bytes", file("{" + f32("a", [4], 0, 16) + "}", data: zeros16 + [1, 2, 3]),
               code: "metadata_incomplete_buffer", messageFragment: "trailing", lenient: true),
        single("truncated download", file("{" + f32("a", [4], 0, 16) + "," + f32("b", [4], 16, 32) + "}", data: zeros16 + [0, 0, 0]),
               code: "metadata_incomplete_buffer", messageFragment: "truncated", lenient: true),
        single("F4 tensor not filling whole bytes", file("{" + f32("a", [3], 0, 1, dtype: "F4") + "}", data: [0]),
               code: "misaligned_slice", messageFragment: "whole bytes", lenient: true),
        MalformedCase(name: "index names a missing shard",
                      files: ["model.safetensors.index.json": Array(#"{"metadata":{"total_size":16},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}"#.utf8),
                              "model-00001-of-00002.safetensors": file("{" + f32("a", [4], 0, 16) + "}", data: zeros16)],
                      input: ".", code: "missing_shard", messageFragment: "model-00002-of-00002.safetensors", lenient: false),
        MalformedCase(name: "index names a tensor twice",
                      files: ["model.safetensors.index.json": Array(#"{"weight_map":{"a":"model-00001-of-00002.safetensors","a":"model-00002-of-00002.safetensors"}}"#.utf8),
                              "model-00001-of-00002.safetensors": file("{" + f32("a", [4], 0, 16) + "}", data: zeros16),
                              "model-00002-of-00002.safetensors": file("{" + f32("a", [4], 0, 16) + "}", data: zeros16)],
                      input: "model.safetensors.index.json", code: "index_duplicate_tensor", messageFragment: "twice", lenient: false),
        MalformedCase(name: "index maps a tensor to a shard without it",
                      files: ["model.safetensors.index.json": Array(#"{"weight_map":{"a":"model-00001-of-00001.safetensors","b":"model-00001-of-00001.safetensors"}}"#.utf8),
                              "model-00001-of-00001.safetensors": file("{" + f32("a", [4], 0, 16) + "}", data: zeros16)],
                      input: ".", code: "index_tensor_missing", messageFragment: "does not contain it", lenient: true),
        MalformedCase(name: "shard holds a tensor the index lacks",
                      files: ["model.safetensors.index.json": Array(#"{"weight_map":{"a":"model-00001-of-00001.safetensors"}}"#.utf8),
                              "model-00001-of-00001.safetensors": file("{" + f32("a", [4], 0, 16) + "," + f32("b", [4], 16, 32) + "}",
                                                                      data: zeros16 + zeros16)],
                      input: ".", code: "index_tensor_unlisted", messageFragment: "not in weight_map", lenient: true),
        MalformedCase(name: "index total_size wrong",
                      files: ["model.safetensors.index.json": Array(#"{"metadata":{"total_size":999},"weight_map":{"a":"model-00001-of-00001.safetensors"}}"#.utf8),
                              "model-00001-of-00001.safetensors": file("{" + f32("a", [4], 0, 16) + "}", data: zeros16)],
                      input: ".", code: "index_total_size_mismatch", messageFragment: "total_size is 999", lenient: true),
    ]

    /// Writes the case's files into a fresh directory and returns the input path.
    static func materialize(_ c: MalformedCase, in root: String) throws -> String {
        let dir = root + "/" + c.name.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "×", with: "x")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, bytes) in c.files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        return c.input == "." ? dir : dir + "/" + c.input
    }
}
