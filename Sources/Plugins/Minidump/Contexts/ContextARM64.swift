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
        aliases: ["fp": "x29", "lr": "x30", "x31": "sp"])

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

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        var fields: [(String, String)] = [("context_flags", P.hex(contextFlags))]
        for (i, value) in x.enumerated() { fields.append(("iregs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", P.hex(value))) }
        fields.append(("iregs[31]", P.hex(sp)))
        fields.append(("pc", P.hex(pc)))
        fields.append(("cpsr", P.hex(cpsr)))
        fields.append(("float_save.fpsr", P.hex(fpsr)))
        fields.append(("float_save.fpcr", P.hex(fpcr)))
        for i in 0..<32 {
            let bytes = vectorRegisters[(i * 16)..<(i * 16 + 16)]
            // Printed as a 128-bit number: most significant byte first.
            fields.append(("float_save.regs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]",
                           "0x" + hexDigits(bytes.reversed(), uppercase: false)))
        }
        out.block(isOldLayout ? "MDRawContextARM64_Old" : "MDRawContextARM64", fields)
    }
}
