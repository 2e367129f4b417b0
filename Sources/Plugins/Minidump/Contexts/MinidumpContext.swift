import CrashpipeCore

/// A thread's CPU context in whichever layout the dump used.
///
/// The CPU is taken from the SystemInfo stream when there is one and checked against the
/// context's own flags and size; without SystemInfo the flags decide. A context too short for
/// its CPU is an error naming the size found and the size needed.
public enum MinidumpContext: Sendable {
    case x86(ContextX86)
    case amd64(ContextAMD64)
    case arm(ContextARM)
    case arm64(ContextARM64)

    public static func parse(_ data: ByteView, endian: Endian, cpu hint: CPU?) throws(ParseError) -> MinidumpContext {
        let cpu = hint.flatMap { $0 == .unknown ? nil : $0 } ?? guessCPU(data, endian: endian)
        guard let cpu else {
            throw ParseError(.unsupported, offset: data.fileOffset(0), context: "thread context",
                             "cannot tell the CPU of a \(data.count)-byte context")
        }
        func need(_ size: Int, _ name: String) throws(ParseError) {
            guard data.count >= size else {
                throw ParseError(.truncated, offset: data.fileOffset(0), context: "thread context",
                                 "\(name) context needs \(size) bytes, the dump gives \(data.count)")
            }
        }
        switch cpu {
        case .x86:
            try need(ContextX86.size, "x86")
            return .x86(try ContextX86(parsing: data, endian: endian))
        case .amd64:
            try need(ContextAMD64.size, "amd64")
            return .amd64(try ContextAMD64(parsing: data, endian: endian))
        case .arm:
            try need(ContextARM.size, "arm")
            return .arm(try ContextARM(parsing: data, endian: endian))
        case .arm64:
            let old = isOldARM64(data, endian: endian)
            try need(old ? ContextARM64.oldSize : ContextARM64.size, old ? "arm64 (old layout)" : "arm64")
            return .arm64(try ContextARM64(parsing: data, endian: endian, oldLayout: old))
        default:
            throw ParseError(.unsupported, offset: data.fileOffset(0), context: "thread context",
                             "contexts of \(cpu) CPUs are not supported yet")
        }
    }

    /// The Breakpad old ARM64 layout starts with a 64-bit flags word whose CPU bit is
    /// 0x80000000; Microsoft's starts with a 32-bit flags word with 0x00400000.
    static func isOldARM64(_ data: ByteView, endian: Endian) -> Bool {
        guard let flags = try? data.u32(at: 0, endian) else { return false }
        if flags & ContextARM64.cpuFlag != 0 { return false }
        return UInt64(flags) & ContextARM64.oldCpuFlag != 0 || data.count == ContextARM64.oldSize
    }

    /// The CPU a context's flags and size point to, for dumps without SystemInfo.
    static func guessCPU(_ data: ByteView, endian: Endian) -> CPU? {
        if data.count >= ContextAMD64.size, let flags = try? data.u32(at: 48, endian),
           flags & 0xffff_ff00 == ContextAMD64.cpuFlag { return .amd64 }
        guard let flags = try? data.u32(at: 0, endian) else { return nil }
        switch flags & 0xffff_ff00 {
        case ContextX86.cpuFlag: return .x86
        case ContextARM.cpuFlag: return .arm
        case ContextARM64.cpuFlag: return .arm64
        case 0x8000_0000: return .arm64
        default: return flags & 0xffff_ffc0 == ContextARM.oldCpuFlag ? .arm : nil
        }
    }

    public var cpu: CPU {
        switch self {
        case .x86: return .x86
        case .amd64: return .amd64
        case .arm: return .arm
        case .arm64: return .arm64
        }
    }

    /// General-purpose registers by name, for the report and the unwinders.
    public var registers: RegisterContext {
        switch self {
        case .x86(let c): return c.registers
        case .amd64(let c): return c.registers
        case .arm(let c): return c.registers
        case .arm64(let c): return c.registers
        }
    }

    public var instructionPointer: UInt64 { registers.instructionPointer ?? 0 }
    public var stackPointer: UInt64 { registers.stackPointer ?? 0 }

    public func dump(to out: inout DumpPrinter) {
        switch self {
        case .x86(let c): c.dump(to: &out)
        case .amd64(let c): c.dump(to: &out)
        case .arm(let c): c.dump(to: &out)
        case .arm64(let c): c.dump(to: &out)
        }
    }
}

extension MinidumpContext: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try registers.encode(to: encoder)
    }
}
