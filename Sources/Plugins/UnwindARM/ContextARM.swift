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

    /// r0..r15 by number; `sp`, `lr`, `pc` as aliases, and `fp`: r11 on Linux and Android
    /// (this layout), r7 on Apple platforms (``appleLayout``).
    public static let layout = RegisterLayout(
        cpu: .arm,
        names: (0..<16).map { "r\($0)" } + ["cpsr"],
        instructionPointer: "r15", stackPointer: "r13", framePointer: "r11",
        aliases: ["sp": "r13", "lr": "r14", "pc": "r15", "fp": "r11"], returnAddressLookback: 2)

    /// The same registers with Apple's frame pointer, r7.
    public static let appleLayout = RegisterLayout(
        cpu: .arm,
        names: (0..<16).map { "r\($0)" } + ["cpsr"],
        instructionPointer: "r15", stackPointer: "r13", framePointer: "r7",
        aliases: ["sp": "r13", "lr": "r14", "pc": "r15", "fp": "r7"], returnAddressLookback: 2)

    /// The layout for contexts from `os`: Apple's frame pointer on iOS and macOS.
    public static func layout(for os: OS?) -> RegisterLayout {
        os == .iOS || os == .macOS ? appleLayout : layout
    }

    /// Breakpad's ARM context has one flag (integer, 0x2) for all of r0..r15 and cpsr; without
    /// it (old writers) the registers are still taken as known.
    public var registers: RegisterContext { registers(os: nil) }

    /// The registers in the layout for `os` (which register `fp` names).
    public func registers(os: OS?) -> RegisterContext {
        var context = RegisterContext(layout: Self.layout(for: os))
        for (i, value) in iregs.enumerated() { context[index: i] = UInt64(value) }
        context["cpsr"] = UInt64(cpsr)
        return context
    }

    /// Every field, named and formatted as Breakpad's minidump_dump prints them.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("context_flags", formatHex(contextFlags))]
        for (i, value) in iregs.enumerated() { fields.append(("iregs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", formatHex(value))) }
        fields.append(("cpsr", formatHex(cpsr)))
        fields.append(("float_save.fpscr", formatHex(fpscr)))
        for (i, value) in floatRegisters.enumerated() {
            fields.append(("float_save.regs[\(String(repeating: " ", count: i < 10 ? 1 : 0))\(i)]", formatHex(value)))
        }
        for (i, value) in floatExtra.enumerated() { fields.append(("float_save.extra[\(i)]", formatHex(value))) }
        return fields
    }
}

/// How 32-bit ARM contexts are stored in minidumps and microdumps: Breakpad's MDRawContextARM
/// (flag 0x40000000, or 0x00000040 from old writers).
public struct ARMContextFormat: CPUContextFormat {
    public let cpu = CPU.arm
    public var layout: RegisterLayout { ContextARM.layout }

    public init() {}

    public func recognizes(_ data: ByteView, endian: Endian) -> Bool {
        guard let flags = try? data.u32(at: 0, endian) else { return false }
        return flags & 0xffff_ff00 == ContextARM.cpuFlag || flags & 0xffff_ffc0 == ContextARM.oldCpuFlag
    }

    public func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext {
        guard data.count >= ContextARM.size else { throw ContextFormats.tooShort(data, needs: ContextARM.size, "arm") }
        let context = try ContextARM(parsing: data, endian: endian)
        return DecodedContext(registers: context.registers(os: os), structureName: "MDRawContextARM", fields: context.fields)
    }
}
