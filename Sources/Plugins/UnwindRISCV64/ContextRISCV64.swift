import CrashpipeCore

/// The 64-bit RISC-V context: Breakpad's `MDRawContextRISCV64`
/// (`google_breakpad/common/minidump_cpu_riscv.h`), 528 bytes:
///
/// | offset | field |
/// |---|---|
/// | 0 | `context_flags` (u32, CPU bit 0x08000000) |
/// | 4 | `version` (u32; older headers left this as padding) |
/// | 8 | `pc` |
/// | 16 … 256 | `ra`, `sp`, `gp`, `tp`, `t0`–`t2`, `s0`, `s1`, `a0`–`a7`, `s2`–`s11`, `t3`–`t6` (x1…x31, u64 each) |
/// | 264 … 512 | `fpregs[32]` (f0…f31, u64 each) |
/// | 520 | `fcsr` (u32), then 4 bytes of tail padding |
///
/// The header's flags: MD_CONTEXT_RISCV64_INTEGER = CPU bit | 0x1 (pc and every x register;
/// RISC-V contexts have no separate control flag), FLOATING_POINT = CPU bit | 0x2 (0x4 in
/// Breakpad's first RISC-V header, which had the same layout without naming `version`).
public struct ContextRISCV64: Sendable {
    /// MD_CONTEXT_RISCV64: the CPU bit of `contextFlags`.
    public static let cpuFlag: UInt32 = 0x0800_0000
    public static let integerFlag: UInt32 = 0x1
    /// `sizeof(MDRawContextRISCV64)`, which Breakpad's reader requires.
    public static let size = 528

    public var contextFlags: UInt32
    public var version: UInt32
    public var pc: UInt64
    /// x1…x31 in register-number order (`ra` … `t6`).
    public var x: [UInt64]
    /// f0…f31 as raw 64-bit values.
    public var fpregs: [UInt64]
    public var fcsr: UInt32

    /// The ABI names of x1…x31, in the structure's (and DWARF's) order.
    public static let xNames: [String] = ["ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1"]
        + (0...7).map { "a\($0)" } + (2...11).map { "s\($0)" } + (3...6).map { "t\($0)" }

    public init(parsing data: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "riscv64 context")
        contextFlags = try r.u32()
        version = try r.u32()
        pc = try r.u64()
        x = try (0..<31).map { _ throws(ParseError) in try r.u64() }
        fpregs = try (0..<32).map { _ throws(ParseError) in try r.u64() }
        fcsr = try r.u32()
    }

    /// Registers by the names Breakpad's `dump_syms` writes in RISC-V CFI
    /// (`DwarfCFIToModule::RegisterNames::RISCV`): `pc` in slot 0 (where DWARF has x0), then the
    /// ABI names of x1…x31. The numeric names `x1`…`x31` and `fp` (= `s0`) are aliases; x0
    /// (`zero`) is hard-wired to 0 and not stored, so it has no name here.
    public static let layout: RegisterLayout = {
        let names = ["pc"] + xNames
        var aliases = ["fp": "s0"]
        for (i, name) in xNames.enumerated() { aliases["x\(i + 1)"] = name }
        return RegisterLayout(cpu: .riscv64, names: names, instructionPointer: "pc", stackPointer: "sp",
                              framePointer: "s0", aliases: aliases, returnAddressLookback: 2)
    }()

    /// The integer flag covers pc and x1…x31. Flags naming no part at all (the CPU bit alone)
    /// are taken as complete, as the other architectures take theirs.
    public var registers: RegisterContext {
        var context = RegisterContext(layout: Self.layout)
        let integer = contextFlags & 0xff == 0 || contextFlags & Self.integerFlag != 0
        guard integer else { return context }
        context["pc"] = pc
        for (name, value) in zip(Self.xNames, x) { context[name] = value }
        return context
    }

    /// Every field as Breakpad's minidump_dump prints it (`version` is not printed; the
    /// floating-point registers are, by a minidump_dump built for RISC-V).
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("context_flags", formatHex(contextFlags)), ("pc", formatHex(pc))]
        for (name, value) in zip(Self.xNames, x) { fields.append((name, formatHex(value))) }
        for (i, value) in fpregs.enumerated() {
            fields.append(("fpregs[\(i < 10 ? " " : "")\(i)]", formatHex(value)))
        }
        fields.append(("fcsr", formatHex(fcsr)))
        return fields
    }
}

/// How 64-bit RISC-V contexts are stored in minidumps: `MDRawContextRISCV64`, recognized by the
/// CPU bit of the flags at offset 0.
public struct RISCV64ContextFormat: CPUContextFormat {
    public let cpu = CPU.riscv64
    public var layout: RegisterLayout { ContextRISCV64.layout }

    public init() {}

    public func recognizes(_ data: ByteView, endian: Endian) -> Bool {
        guard data.count >= ContextRISCV64.size, let flags = try? data.u32(at: 0, endian) else { return false }
        return flags & 0xffff_ff00 == ContextRISCV64.cpuFlag
    }

    public func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext {
        guard data.count >= ContextRISCV64.size else {
            throw ContextFormats.tooShort(data, needs: ContextRISCV64.size, "riscv64")
        }
        let context = try ContextRISCV64(parsing: data, endian: endian)
        return DecodedContext(registers: context.registers, structureName: "MDRawContextRISCV64", fields: context.fields)
    }
}
