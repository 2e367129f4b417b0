import CrashpipeCore

/// The 64-bit ARM context, in either of its two layouts:
///
/// - Microsoft's CONTEXT_ARM64 (also Breakpad's current MDRawContextARM64 and Crashpad's),
///   912 bytes, CPU flag 0x00400000: flags and cpsr (u32), x0..x28, fp, lr, sp, pc, v0..v31,
///   fpcr, fpsr, debug registers.
/// - Breakpad's older MDRawContextARM64_Old, CPU flag 0x80000000 in a 64-bit flags field:
///   x0..x31 (x29 fp, x30 lr, x31 sp), pc, cpsr, fpsr, fpcr, v0..v31.
public struct ContextARM64: Sendable {
    public static let cpuFlag: UInt32 = 0x0040_0000
    public static let oldCpuFlag: UInt64 = 0x8000_0000
    public static let size = 912
    public static let oldSize = 796

    /// Which layout the bytes had.
    public var isOldLayout: Bool
    public var contextFlags: UInt64
    public var cpsr: UInt32
    /// x0..x28, x29 (fp), x30 (lr).
    public var x: [UInt64]
    public var sp: UInt64
    public var pc: UInt64
    /// v0..v31 as 16 bytes each, in memory order.
    public var vectorRegisters: [UInt8]
    public var fpcr: UInt32
    public var fpsr: UInt32

    public init(parsing data: ByteView, endian: Endian, oldLayout: Bool) throws(ParseError) {
        isOldLayout = oldLayout
        if oldLayout {
            var r = ByteReader(data, endian: endian, context: "arm64 (old) context")
            contextFlags = try r.u64()
            let regs = try (0..<32).map { _ throws(ParseError) in try r.u64() }
            x = Array(regs[0..<31])
            sp = regs[31]
            pc = try r.u64()
            cpsr = try r.u32()
            fpsr = try r.u32()
            fpcr = try r.u32()
            vectorRegisters = try r.bytes(32 * 16)
        } else {
            var r = ByteReader(data, endian: endian, context: "arm64 context")
            contextFlags = UInt64(try r.u32())
            cpsr = try r.u32()
            x = try (0..<31).map { _ throws(ParseError) in try r.u64() }
            sp = try r.u64()
            pc = try r.u64()
            vectorRegisters = try r.bytes(32 * 16)
            fpcr = try r.u32()
            fpsr = try r.u32()
        }
    }

    /// x0..x30, sp, pc by name; `fp` (x29) and `lr` (x30) as aliases.
    public static let layout = RegisterLayout(
        cpu: .arm64,
        names: (0..<31).map { "x\($0)" } + ["sp", "pc", "cpsr"],
        instructionPointer: "pc", stackPointer: "sp", framePointer: "x29",
        aliases: ["fp": "x29", "lr": "x30", "x31": "sp"], returnAddressLookback: 4)

    /// Microsoft's layout: CONTEXT_CONTROL (0x1) covers fp, lr, sp, pc and cpsr, CONTEXT_INTEGER
    /// (0x2) x0..x28. The old Breakpad layout has one integer flag for all. Flags naming
    /// neither (old writers) are taken as complete.
    public var registers: RegisterContext {
        var context = RegisterContext(layout: Self.layout)
        let both = isOldLayout || contextFlags & 0x3 == 0
        let control = both || contextFlags & 0x1 != 0
        let integer = both || contextFlags & 0x2 != 0
        for (i, value) in x.enumerated() where (i >= 29 ? control : integer) { context[index: i] = value }
        if control {
            context["sp"] = sp
            context["pc"] = pc
            context["cpsr"] = UInt64(cpsr)
        }
        return context
    }

    /// Every field, named and formatted as Breakpad's minidump_dump prints them.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("context_flags", formatHex(contextFlags))]
        for (i, value) in x.enumerated() { fields.append(("iregs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", formatHex(value))) }
        fields.append(("iregs[31]", formatHex(sp)))
        fields.append(("pc", formatHex(pc)))
        fields.append(("cpsr", formatHex(cpsr)))
        fields.append(("float_save.fpsr", formatHex(fpsr)))
        fields.append(("float_save.fpcr", formatHex(fpcr)))
        for i in 0..<32 {
            let bytes = vectorRegisters[(i * 16)..<(i * 16 + 16)]
            // Printed as a 128-bit number: most significant byte first.
            fields.append(("float_save.regs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]",
                           "0x" + hexDigits(bytes.reversed(), uppercase: false)))
        }
        return fields
    }
}

/// How 64-bit ARM contexts are stored in minidumps and microdumps: Microsoft's CONTEXT_ARM64
/// (32-bit flags with 0x00400000) or Breakpad's older layout (64-bit flags with 0x80000000,
/// 796 bytes).
public struct ARM64ContextFormat: CPUContextFormat {
    public let cpu = CPU.arm64
    public var layout: RegisterLayout { ContextARM64.layout }

    public init() {}

    public func recognizes(_ data: ByteView, endian: Endian) -> Bool {
        guard let flags = try? data.u32(at: 0, endian) else { return false }
        return flags & 0xffff_ff00 == ContextARM64.cpuFlag || flags & 0xffff_ff00 == 0x8000_0000
    }

    /// The old layout starts with a 64-bit flags word whose CPU bit is 0x80000000;
    /// Microsoft's with a 32-bit flags word with 0x00400000.
    static func isOldLayout(_ data: ByteView, endian: Endian) -> Bool {
        guard let flags = try? data.u32(at: 0, endian) else { return false }
        if flags & ContextARM64.cpuFlag != 0 { return false }
        return UInt64(flags) & ContextARM64.oldCpuFlag != 0 || data.count == ContextARM64.oldSize
    }

    public func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext {
        let old = Self.isOldLayout(data, endian: endian)
        let size = old ? ContextARM64.oldSize : ContextARM64.size
        guard data.count >= size else { throw ContextFormats.tooShort(data, needs: size, old ? "arm64 (old layout)" : "arm64") }
        let context = try ContextARM64(parsing: data, endian: endian, oldLayout: old)
        return DecodedContext(registers: context.registers, structureName: old ? "MDRawContextARM64_Old" : "MDRawContextARM64",
                              fields: context.fields)
    }
}
