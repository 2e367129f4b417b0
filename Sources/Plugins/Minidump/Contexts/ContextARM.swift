import CrashpipeCore

/// The 32-bit ARM context in Breakpad's layout (MDRawContextARM, 368 bytes; CPU flag
/// 0x40000000, or the older 0x00000040): r0..r15, cpsr, and the VFP registers.
public struct ContextARM: Sendable {
    public static let cpuFlag: UInt32 = 0x4000_0000
    public static let oldCpuFlag: UInt32 = 0x0000_0040
    public static let size = 368

    public var contextFlags: UInt32
    /// r0..r12, r13 (sp), r14 (lr), r15 (pc).
    public var iregs: [UInt32]
    public var cpsr: UInt32
    public var fpscr: UInt64
    /// d0..d31.
    public var floatRegisters: [UInt64]
    public var floatExtra: [UInt32]

    public init(parsing data: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "arm context")
        contextFlags = try r.u32()
        iregs = try (0..<16).map { _ throws(ParseError) in try r.u32() }
        cpsr = try r.u32()
        fpscr = try r.u64()
        floatRegisters = try (0..<32).map { _ throws(ParseError) in try r.u64() }
        floatExtra = try (0..<8).map { _ throws(ParseError) in try r.u32() }
    }

    /// r0..r15 by number; `sp`, `lr`, `pc` as aliases. The frame pointer differs by platform
    /// (r11 on Linux and Android, r7 on Apple), so unwinders choose it, not the layout.
    public static let layout = RegisterLayout(
        cpu: .arm,
        names: (0..<16).map { "r\($0)" } + ["cpsr"],
        instructionPointer: "r15", stackPointer: "r13", framePointer: "r11",
        aliases: ["sp": "r13", "lr": "r14", "pc": "r15", "fp": "r11"])

    /// Breakpad's ARM context has one flag (integer, 0x2) for all of r0..r15 and cpsr; without
    /// it (old writers) the registers are still taken as known.
    public var registers: RegisterContext {
        var context = RegisterContext(layout: Self.layout)
        for (i, value) in iregs.enumerated() { context[index: i] = UInt64(value) }
        context["cpsr"] = UInt64(cpsr)
        return context
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        var fields: [(String, String)] = [("context_flags", P.hex(contextFlags))]
        for (i, value) in iregs.enumerated() { fields.append(("iregs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", P.hex(value))) }
        fields.append(("cpsr", P.hex(cpsr)))
        fields.append(("float_save.fpscr", P.hex(fpscr)))
        for (i, value) in floatRegisters.enumerated() {
            fields.append(("float_save.regs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", P.hex(value)))
        }
        for (i, value) in floatExtra.enumerated() { fields.append(("float_save.extra[\(i)]", P.hex(value))) }
        out.block("MDRawContextARM", fields)
    }
}
