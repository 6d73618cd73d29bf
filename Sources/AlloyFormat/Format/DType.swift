/// Every element type the safetensors format defines, spelled as in a header.
///
/// The declaration order follows the reference implementation's enum, which
/// writers use to lay tensors out (descending order keeps every tensor aligned).
public enum DType: String, CaseIterable, Sendable, Codable, Comparable {
    case BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ
    case I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64

    /// Storage size of one element, in bits.
    public var bitWidth: Int {
        switch self {
        case .F4: return 4
        case .F6_E2M3, .F6_E3M2: return 6
        case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0, .F8_E4M3FNUZ, .F8_E5M2FNUZ: return 8
        case .I16, .U16, .F16, .BF16: return 16
        case .I32, .U32, .F32: return 32
        case .C64, .F64, .I64, .U64: return 64
        }
    }

    /// True for the real floating-point types (not complex).
    public var isFloatingPoint: Bool {
        switch self {
        case .F4, .F6_E2M3, .F6_E3M2, .F8_E5M2, .F8_E4M3, .F8_E8M0, .F8_E4M3FNUZ, .F8_E5M2FNUZ,
             .F16, .BF16, .F32, .F64:
            return true
        default:
            return false
        }
    }

    /// True when Alloy can decode elements of this type to `Float` for arithmetic.
    public var isDecodable: Bool { self != .C64 && bitWidth >= 8 }

    /// True when Alloy can encode `Float` values into this type.
    public var isEncodable: Bool {
        switch self {
        case .F32, .F16, .BF16, .F64, .F8_E4M3, .F8_E5M2: return true
        default: return false
        }
    }

    /// The name PyTorch uses (`torch.bfloat16` → `"bfloat16"`), as found in `config.json`.
    public var torchName: String {
        switch self {
        case .BOOL: return "bool"
        case .F4: return "float4_e2m1fn_x2"
        case .F6_E2M3: return "float6_e2m3fn"
        case .F6_E3M2: return "float6_e3m2fn"
        case .U8: return "uint8"
        case .I8: return "int8"
        case .F8_E5M2: return "float8_e5m2"
        case .F8_E4M3: return "float8_e4m3fn"
        case .F8_E8M0: return "float8_e8m0fnu"
        case .F8_E4M3FNUZ: return "float8_e4m3fnuz"
        case .F8_E5M2FNUZ: return "float8_e5m2fnuz"
        case .I16: return "int16"
        case .U16: return "uint16"
        case .F16: return "float16"
        case .BF16: return "bfloat16"
        case .I32: return "int32"
        case .U32: return "uint32"
        case .F32: return "float32"
        case .C64: return "complex64"
        case .F64: return "float64"
        case .I64: return "int64"
        case .U64: return "uint64"
        }
    }

    /// Parses a dtype as users and configs write it: `bfloat16`, `bf16`, `float16`,
    /// `fp16`, `half`, `float32`, `fp32`, `float`, `F32`, `torch.bfloat16`, ...
    public init?(userName: String) {
        var s = userName.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("torch.") { s = String(s.dropFirst(6)) }
        if let exact = DType(rawValue: s) { self = exact; return }
        switch s.lowercased() {
        case "bfloat16", "bf16": self = .BF16
        case "float16", "fp16", "f16", "half": self = .F16
        case "float32", "fp32", "f32", "float": self = .F32
        case "float64", "fp64", "f64", "double": self = .F64
        case "float8_e4m3fn", "fp8", "fp8_e4m3", "f8_e4m3": self = .F8_E4M3
        case "float8_e5m2", "fp8_e5m2", "f8_e5m2": self = .F8_E5M2
        default:
            guard let t = DType.allCases.first(where: { $0.torchName == s.lowercased() }) else { return nil }
            self = t
        }
    }

    /// Order used by writers: the reference writer sorts by dtype, descending.
    public static func < (a: DType, b: DType) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

import Foundation
