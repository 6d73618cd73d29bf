@testable import AlloyFormat
@testable import AlloyMath
import AlloyTestSupport
import Foundation
import Testing

/// The writer's layout (reference conventions) and round trips, single-file and sharded.
@Suite struct WriterTests {
    static func specs() -> [TensorSpec] {
        [
            TensorSpec(name: "b.weight", dtype: .BF16, shape: [3, 5]),
            TensorSpec(name: "a.weight", dtype: .F32, shape: [7]),
            TensorSpec(name: "scalar", dtype: .F16, shape: []),
            TensorSpec(name: "empty", dtype: .F32, shape: [0, 4]),
            TensorSpec(name: "z.fp8", dtype: .F8_E4M3, shape: [9]),
            TensorSpec(name: "c.f64", dtype: .F64, shape: [2, 2]),
            TensorSpec(name: "ids", dtype: .I64, shape: [3]),
        ]
    }

    static func values(_ spec: TensorSpec) -> [Float] {
        (0..<spec.elementCount).map { Float($0) * 0.37 - 1.1 }
    }

    static func rawBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func singleFileFollowsTheReferenceLayoutAndReadsBack() throws {
        let dir = TestPaths.temporaryDirectory()
        let path = dir + "/model.safetensors"
        let writer = try SafetensorsWriter(path: path, tensors: Self.specs(), metadata: [("note", "x")])
        // Nothing appears at the final path until the file is complete.
        #expect(!FileManager.default.fileExists(atPath: path))
        // Any order, any thread.
        try Parallel.forEach(Self.specs().count, threads: 3) { i in
            let spec = Self.specs().reversed()[Self.specs().count - 1 - i]
            if spec.dtype == .I64 {
                let ints: [Int64] = [1, -2, 3]
                try ints.withUnsafeBytes { try writer.write(spec.name, bytes: $0) }
            } else {
                try writer.write(spec.name, values: Self.values(spec))
            }
        }
        try writer.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"], "no temporary file left")

        let bytes = try Self.rawBytes(path)
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        #expect(n % 8 == 0, "header padded to 8 bytes")
        let headerText = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(headerText.hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"x\"}"))
        #expect(headerText.hasSuffix("}") || headerText.hasSuffix(" "))
        // Sorted by dtype (descending in the reference enum's order: I64 after F64), then name.
        let file = try SafetensorsFile(path: path)
        #expect(file.tensors.map(\.name) == ["ids", "c.f64", "a.weight", "empty", "b.weight", "scalar", "z.fp8"])
        for t in file.tensors where t.byteCount > 0 {
            #expect(t.begin % (t.dtype.bitWidth / 8) == 0, "\(t.name) naturally aligned")
        }
        let store = try TensorStore(path: path)
        for spec in Self.specs() {
            #expect(store.info(spec.name)?.shape == spec.shape)
            #expect(store.info(spec.name)?.dtype == spec.dtype)
            guard spec.dtype != .I64 else {
                #expect(try store.tensor(spec.name).values == [1, -2, 3])
                continue
            }
            var expected = Self.values(spec)
            ElementCodec.roundTrip(&expected, through: spec.dtype)
            #expect(try store.tensor(spec.name).values == expected, "\(spec.name)")
        }
        #expect(try store.tensor("scalar").shape == [])
    }

    @Test func shardedOutputHasACorrectIndex() throws {
        let dir = TestPaths.temporaryDirectory()
        let specs = (0..<10).map { TensorSpec(name: "layers.\($0).weight", dtype: .BF16, shape: [100 + $0, 8]) }
        let writer = try ShardedWriter(directory: dir, tensors: specs, maxShardBytes: ByteSize.parse("5KB")!)
        for s in specs { try writer.write(s.name, values: Self.values(s)) }
        let files = try writer.finish()
        // Greedy: 1600+1616+1632 | 1648+1664+1680 | 1696+1712 | 1728+1744 bytes.
        #expect(writer.shardCount == 4)
        #expect(files.last == "model.safetensors.index.json")
        #expect(Array(files.dropLast()) == (1...4).map { "model-0000\($0)-of-00004.safetensors" })
        let index = try JSONFile.read(dir + "/model.safetensors.index.json")
        let total = specs.reduce(0) { $0 + $1.byteCount }
        #expect(index["metadata"]?["total_size"]?.intValue == total)
        let map = index["weight_map"]!.objectValue!
        #expect(map.map(\.0) == specs.map(\.name).sorted())
        // Greedy filling: no shard over the limit unless it holds a single tensor.
        for file in files.dropLast() {
            let f = try SafetensorsFile(path: dir + "/" + file)
            let data = f.tensors.reduce(0) { $0 + $1.byteCount }
            #expect(data <= 5000 || f.tensors.count == 1)
            #expect(f.metadata?.value(for: "format") == "pt")
            #expect(f.header.headerLength % 8 == 0)
            for t in f.tensors { #expect(map.first { $0.0 == t.name }?.1 == .string(file)) }
        }
        let store = try TensorStore(path: dir)
        #expect(store.totalBytes == total)
        for s in specs {
            var expected = Self.values(s)
            ElementCodec.roundTrip(&expected, through: .BF16)
            #expect(try store.tensor(s.name).values == expected)
        }
    }

    @Test func oneShardMeansNoIndexAndOversizedTensorsGetTheirOwnShard() throws {
        let dir = TestPaths.temporaryDirectory()
        let single = try ShardedWriter(directory: dir, tensors: [TensorSpec(name: "w", dtype: .F32, shape: [4])], maxShardBytes: 1 << 30)
        try single.write("w", values: [1, 2, 3, 4])
        #expect(try single.finish() == ["model.safetensors"])
        let dir2 = TestPaths.temporaryDirectory()
        let specs = [TensorSpec(name: "small", dtype: .F32, shape: [2]), TensorSpec(name: "big", dtype: .F32, shape: [100]),
                     TensorSpec(name: "tail", dtype: .F32, shape: [2])]
        let w = try ShardedWriter(directory: dir2, tensors: specs, maxShardBytes: 64)
        #expect(w.shardCount == 3)
        for s in specs { try w.write(s.name, values: Self.values(s)) }
        try w.finish()
        #expect(try TensorStore(path: dir2).count == 3)
    }

    @Test func unfinishedOrIncompleteWritesLeaveNothingBehind() throws {
        let dir = TestPaths.temporaryDirectory()
        do {
            let w = try SafetensorsWriter(path: dir + "/x.safetensors", tensors: Self.specs())
            try w.write("a.weight", values: Self.values(Self.specs()[1]))
            #expect(throws: AlloyError.self) { try w.finish() }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let w = try SafetensorsWriter(path: dir + "/y.safetensors", tensors: [TensorSpec(name: "a", dtype: .F32, shape: [2])])
        #expect(throws: AlloyError.self) { try w.write("a", values: [1]) }
        #expect(throws: AlloyError.self) { try w.write("b", values: [1, 2]) }
        #expect(throws: AlloyError.self) {
            try SafetensorsWriter(path: dir + "/z.safetensors", tensors: [TensorSpec(name: "a", dtype: .F32, shape: [1]),
                                                                         TensorSpec(name: "a", dtype: .F32, shape: [1])])
        }
    }

    /// Hugging Face's own reader loads what Alloy writes (skipped when Python lacks `safetensors`).
    @Test func pythonSafetensorsLoadsTheOutput() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import safetensors.numpy"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return }  // module absent: nothing to check against

        let dir = TestPaths.temporaryDirectory()
        let specs = [TensorSpec(name: "w", dtype: .F32, shape: [2, 3]), TensorSpec(name: "h", dtype: .F16, shape: [4]),
                     TensorSpec(name: "b", dtype: .BF16, shape: [2])]
        let writer = try ShardedWriter(directory: dir, tensors: specs, maxShardBytes: 1 << 30)
        try writer.write("w", values: [1, 2, 3, 4, 5, 6.5])
        try writer.write("h", values: [0.5, -1, 65504, 1e-7])
        try writer.write("b", values: [1.5, -3])
        try writer.finish()
        let script = """
        import sys, numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file
        p = sys.argv[1]
        with safe_open(p, framework="numpy") as f:
            assert f.metadata() == {"format": "pt"}, f.metadata()
            assert sorted(f.keys()) == ["b", "h", "w"], f.keys()
        raw = open(p, "rb").read()
        from safetensors import deserialize
        parts = dict(deserialize(raw))
        assert parts["b"]["dtype"] == "bfloat16" or parts["b"]["dtype"] == "BF16", parts["b"]
        assert bytes(parts["b"]["data"]) == bytes([0xC0, 0x3F, 0x40, 0xC0])
        with safe_open(p, framework="numpy") as f:
            assert f.get_tensor("w").tolist() == [[1, 2, 3], [4, 5, 6.5]]
            assert f.get_tensor("h").dtype == np.float16
            assert f.get_tensor("h").tolist()[:3] == [0.5, -1.0, 65504.0]
        print("ok")
        """
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", "-c", script, dir + "/model.safetensors"]
        let out = Pipe()
        run.standardOutput = out
        run.standardError = out
        try run.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        #expect(run.terminationStatus == 0, "\(text)")
    }
}
