/// Bulk conversion between raw little-endian tensor bytes and `Float`.
///
/// Each loop is a plain scalar loop in its own non-inlined function so the
/// optimiser vectorises it (measured faster here than explicit SIMD types).
public enum ElementCodec {
    /// Decodes `count` elements of `dtype` from `src` into `dst`.
    /// - Precondition: `dtype.isDecodable`, `src.count >= count * dtype.bitWidth / 8`.
    public static func decode(_ src: UnsafeRawBufferPointer, dtype: DType, into dst: UnsafeMutableBufferPointer<Float>) {
        let n = dst.count
        guard n > 0 else { return }
        let width = dtype.bitWidth / 8
        precondition(src.count >= n * width, "decode: source too short")
        // Tensor data is usually naturally aligned; copy into aligned storage when it is not.
        if Int(bitPattern: src.baseAddress!) % max(width, 1) != 0 {
            let aligned = UnsafeMutableRawBufferPointer.allocate(byteCount: n * width, alignment: 16)
            defer { aligned.deallocate() }
            aligned.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n * width)]))
            decode(UnsafeRawBufferPointer(aligned), dtype: dtype, into: dst)
            return
        }
        let base = src.baseAddress!
        switch dtype {
        case .F32: decodeF32(base.assumingMemoryBound(to: Float.self), dst)
        case .BF16: decodeBF16(base.assumingMemoryBound(to: UInt16.self), dst)
        case .F16: decodeF16(base.assumingMemoryBound(to: UInt16.self), dst)
        case .F64: decodeGeneric(base.assumingMemoryBound(to: Double.self), dst) { Float($0) }
        case .I64: decodeGeneric(base.assumingMemoryBound(to: Int64.self), dst) { Float($0) }
        case .I32: decodeGeneric(base.assumingMemoryBound(to: Int32.self), dst) { Float($0) }
        case .I16: decodeGeneric(base.assumingMemoryBound(to: Int16.self), dst) { Float($0) }
        case .I8: decodeGeneric(base.assumingMemoryBound(to: Int8.self), dst) { Float($0) }
        case .U64: decodeGeneric(base.assumingMemoryBound(to: UInt64.self), dst) { Float($0) }
        case .U32: decodeGeneric(base.assumingMemoryBound(to: UInt32.self), dst) { Float($0) }
        case .U16: decodeGeneric(base.assumingMemoryBound(to: UInt16.self), dst) { Float($0) }
        case .U8, .BOOL: decodeGeneric(base.assumingMemoryBound(to: UInt8.self), dst) { Float($0) }
        case .F8_E4M3: decodeTable(base.assumingMemoryBound(to: UInt8.self), dst, Minifloat.e4m3fn.table)
        case .F8_E5M2: decodeTable(base.assumingMemoryBound(to: UInt8.self), dst, Minifloat.e5m2.table)
        case .F8_E4M3FNUZ: decodeTable(base.assumingMemoryBound(to: UInt8.self), dst, Minifloat.e4m3fnuz.table)
        case .F8_E5M2FNUZ: decodeTable(base.assumingMemoryBound(to: UInt8.self), dst, Minifloat.e5m2fnuz.table)
        case .F8_E8M0: decodeTable(base.assumingMemoryBound(to: UInt8.self), dst, Minifloat.e8m0.table)
        case .F4, .F6_E2M3, .F6_E3M2, .C64:
            preconditionFailure("decode: \(dtype.rawValue) is not decodable")
        }
    }

    /// Encodes `src` as `dtype` into `dst` (round to nearest even for float types).
    /// - Precondition: `dtype.isEncodable`, `dst.count >= src.count * dtype.bitWidth / 8`.
    public static func encode(_ src: UnsafeBufferPointer<Float>, dtype: DType, into dst: UnsafeMutableRawBufferPointer) {
        let n = src.count
        guard n > 0 else { return }
        precondition(dst.count >= n * dtype.bitWidth / 8, "encode: destination too short")
        let base = dst.baseAddress!
        precondition(Int(bitPattern: base) % (dtype.bitWidth / 8) == 0, "encode: destination misaligned")
        switch dtype {
        case .F32: UnsafeMutableRawPointer(base).copyMemory(from: src.baseAddress!, byteCount: n * 4)
        case .BF16: encodeBF16(src, base.assumingMemoryBound(to: UInt16.self))
        case .F16: encodeF16(src, base.assumingMemoryBound(to: UInt16.self))
        case .F64: encodeF64(src, base.assumingMemoryBound(to: Double.self))
        case .F8_E4M3: encodeMinifloat(src, base.assumingMemoryBound(to: UInt8.self), .e4m3fn)
        case .F8_E5M2: encodeMinifloat(src, base.assumingMemoryBound(to: UInt8.self), .e5m2)
        default: preconditionFailure("encode: \(dtype.rawValue) is not encodable")
        }
    }

    /// Decodes a whole buffer of `dtype` bytes into a new `[Float]`.
    public static func decode(_ src: UnsafeRawBufferPointer, dtype: DType, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            decode(src, dtype: dtype, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }

    /// Rounds every value to the nearest value representable in `dtype` (and back to `Float`).
    /// Values are left unchanged for dtypes Alloy cannot encode (`!dtype.isEncodable`).
    public static func roundTrip(_ values: inout [Float], through dtype: DType) {
        guard dtype.isEncodable else { return }
        switch dtype {
        case .F32, .F64: return
        case .BF16: values.withUnsafeMutableBufferPointer { roundBF16($0) }
        default:
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: values.count * dtype.bitWidth / 8, alignment: 16)
            defer { bytes.deallocate() }
            values.withUnsafeMutableBufferPointer { v in
                encode(UnsafeBufferPointer(v), dtype: dtype, into: bytes)
                decode(UnsafeRawBufferPointer(bytes), dtype: dtype, into: v)
            }
        }
    }

    @inline(never) static func decodeF32(_ s: UnsafePointer<Float>, _ d: UnsafeMutableBufferPointer<Float>) {
        d.baseAddress!.update(from: s, count: d.count)
    }

    @inline(never) static func decodeBF16(_ s: UnsafePointer<UInt16>, _ d: UnsafeMutableBufferPointer<Float>) {
        let out = d.baseAddress!
        for i in 0..<d.count { out[i] = Float(bitPattern: UInt32(s[i]) << 16) }
    }

    @inline(never) static func decodeF16(_ s: UnsafePointer<UInt16>, _ d: UnsafeMutableBufferPointer<Float>) {
        let out = d.baseAddress!
        for i in 0..<d.count { out[i] = FloatBits.f16ToFloat(s[i]) }
    }

    @inline(never) static func decodeGeneric<T>(_ s: UnsafePointer<T>, _ d: UnsafeMutableBufferPointer<Float>, _ f: (T) -> Float) {
        let out = d.baseAddress!
        for i in 0..<d.count { out[i] = f(s[i]) }
    }

    @inline(never) static func decodeTable(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutableBufferPointer<Float>, _ table: [Float]) {
        table.withUnsafeBufferPointer { t in
            let out = d.baseAddress!
            for i in 0..<d.count { out[i] = t[Int(s[i])] }
        }
    }

    @inline(never) static func encodeBF16(_ s: UnsafeBufferPointer<Float>, _ d: UnsafeMutablePointer<UInt16>) {
        for i in 0..<s.count { d[i] = FloatBits.floatToBF16(s[i]) }
    }

    @inline(never) static func roundBF16(_ v: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<v.count { v[i] = FloatBits.bf16ToFloat(FloatBits.floatToBF16(v[i])) }
    }

    @inline(never) static func encodeF16(_ s: UnsafeBufferPointer<Float>, _ d: UnsafeMutablePointer<UInt16>) {
        for i in 0..<s.count { d[i] = FloatBits.floatToF16(s[i]) }
    }

    @inline(never) static func encodeF64(_ s: UnsafeBufferPointer<Float>, _ d: UnsafeMutablePointer<Double>) {
        for i in 0..<s.count { d[i] = Double(s[i]) }
    }

    @inline(never) static func encodeMinifloat(_ s: UnsafeBufferPointer<Float>, _ d: UnsafeMutablePointer<UInt8>, _ format: Minifloat) {
        for i in 0..<s.count { d[i] = format.encode(s[i]) }
    }
}
