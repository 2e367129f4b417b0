import CrashpipeCore

/// The 32-bit x86 CPU context (Microsoft CONTEXT for x86, Breakpad MDRawContextX86): 716 bytes,
/// followed in newer dumps by XSTATE data, which is kept as the size only.
public struct ContextX86: Sendable {
    /// CONTEXT_i386: the CPU bit of `contextFlags`.
    public static let cpuFlag: UInt32 = 0x0001_0000
    public static let size = 716

    public var contextFlags: UInt32
    public var debugRegisters: [UInt32]          // dr0, dr1, dr2, dr3, dr6, dr7
    public var floatSave: [UInt32]               // control..data_selector (7 words)
    public var floatRegisterArea: [UInt8]        // 80 bytes
    public var cr0NpxState: UInt32
    public var segments: [UInt32]                // gs, fs, es, ds
    public var integer: [UInt32]                 // edi, esi, ebx, edx, ecx, eax
    public var control: [UInt32]                 // ebp, eip, cs, eflags, esp, ss
    public var extendedRegisters: [UInt8]        // 512 bytes
    /// Bytes beyond the classic structure (XSTATE, CET).
    public var extraSize: Int

    static let floatNames = ["control_word", "status_word", "tag_word", "error_offset",
                             "error_selector", "data_offset", "data_selector"]

    public init(parsing data: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "x86 context")
        contextFlags = try r.u32()
        debugRegisters = try (0..<6).map { _ throws(ParseError) in try r.u32() }
        floatSave = try (0..<7).map { _ throws(ParseError) in try r.u32() }
        floatRegisterArea = try r.bytes(80)
        cr0NpxState = try r.u32()
        segments = try (0..<4).map { _ throws(ParseError) in try r.u32() }
        integer = try (0..<6).map { _ throws(ParseError) in try r.u32() }
        control = try (0..<6).map { _ throws(ParseError) in try r.u32() }
        extendedRegisters = try r.bytes(512)
        extraSize = data.count - Self.size
    }

    /// The register layout unwinders see: names as Breakpad's CFI uses them.
    public static let layout = RegisterLayout(
        cpu: .x86,
        names: ["eip", "esp", "ebp", "ebx", "esi", "edi", "eax", "ecx", "edx", "eflags"],
        instructionPointer: "eip", stackPointer: "esp", framePointer: "ebp")

    public var eax: UInt32 { integer[5] }
    public var ecx: UInt32 { integer[4] }
    public var edx: UInt32 { integer[3] }
    public var ebx: UInt32 { integer[2] }
    public var esi: UInt32 { integer[1] }
    public var edi: UInt32 { integer[0] }
    public var ebp: UInt32 { control[0] }
    public var eip: UInt32 { control[1] }
    public var eflags: UInt32 { control[3] }
    public var esp: UInt32 { control[4] }

    /// CONTEXT_CONTROL covers eip, esp, ebp and eflags; CONTEXT_INTEGER the other six. A context
    /// whose flags name neither (some old writers) is taken as complete.
    public var registers: RegisterContext {
        var context = RegisterContext(layout: Self.layout)
        let both = contextFlags & 0x3 == 0
        let control = both || contextFlags & 0x1 != 0
        let integer = both || contextFlags & 0x2 != 0
        let values: [(String, UInt32, Bool)] = [
            ("eip", eip, control), ("esp", esp, control), ("ebp", ebp, control), ("eflags", eflags, control),
            ("ebx", ebx, integer), ("esi", esi, integer), ("edi", edi, integer), ("eax", eax, integer),
            ("ecx", ecx, integer), ("edx", edx, integer),
        ]
        for (name, value, valid) in values where valid { context[name] = UInt64(value) }
        return context
    }

    /// Every field, named and formatted as Breakpad's minidump_dump prints them.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("context_flags", formatHex(contextFlags))]
        for (name, value) in zip(["dr0", "dr1", "dr2", "dr3", "dr6", "dr7"], debugRegisters) {
            fields.append((name, formatHex(value)))
        }
        for (name, value) in zip(Self.floatNames, floatSave) { fields.append(("float_save.\(name)", formatHex(value))) }
        fields.append(("float_save.register_area[80]", "0x" + hexDigits(floatRegisterArea, uppercase: false)))
        fields.append(("float_save.cr0_npx_state", formatHex(cr0NpxState)))
        for (name, value) in zip(["gs", "fs", "es", "ds"], segments) { fields.append((name, formatHex(value))) }
        for (name, value) in zip(["edi", "esi", "ebx", "edx", "ecx", "eax"], integer) { fields.append((name, formatHex(value))) }
        for (name, value) in zip(["ebp", "eip", "cs", "eflags", "esp", "ss"], control) { fields.append((name, formatHex(value))) }
        fields.append(("extended_registers[512]", "0x" + hexDigits(extendedRegisters, uppercase: false)))
        return fields
    }
}

/// How x86 contexts are stored in minidumps: Microsoft's CONTEXT for i386 (flag 0x00010000).
public struct X86ContextFormat: CPUContextFormat {
    public let cpu = CPU.x86
    public var layout: RegisterLayout { ContextX86.layout }

    public init() {}

    public func recognizes(_ data: ByteView, endian: Endian) -> Bool {
        guard let flags = try? data.u32(at: 0, endian) else { return false }
        return flags & 0xffff_ff00 == ContextX86.cpuFlag
    }

    public func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext {
        guard data.count >= ContextX86.size else { throw ContextFormats.tooShort(data, needs: ContextX86.size, "x86") }
        let context = try ContextX86(parsing: data, endian: endian)
        return DecodedContext(registers: context.registers, structureName: "MDRawContextX86", fields: context.fields)
    }
}
