import CrashpipeCore

/// The x86-64 CPU context (Microsoft CONTEXT for AMD64, Breakpad MDRawContextAMD64): 1232 bytes,
/// followed in newer dumps by XSTATE data, which is kept as the size only.
public struct ContextAMD64: Sendable {
    /// CONTEXT_AMD64: the CPU bit of `contextFlags`.
    public static let cpuFlag: UInt32 = 0x0010_0000
    public static let size = 1232

    public var homes: [UInt64]              // p1_home..p6_home
    public var contextFlags: UInt32
    public var mxCsr: UInt32
    public var segments: [UInt16]           // cs, ds, es, fs, gs, ss
    public var eflags: UInt32
    public var debugRegisters: [UInt64]     // dr0, dr1, dr2, dr3, dr6, dr7
    /// rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15, rip (the CONTEXT order).
    public var gpr: [UInt64]
    public var floatSave: [UInt8]           // 512-byte XMM_SAVE_AREA32
    public var vectorRegisters: [UInt8]     // 26 x 16 bytes
    public var vectorControl: UInt64
    public var debugControl: UInt64
    public var lastBranchToRip: UInt64
    public var lastBranchFromRip: UInt64
    public var lastExceptionToRip: UInt64
    public var lastExceptionFromRip: UInt64
    public var extraSize: Int

    static let gprNames = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                           "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"]

    public init(parsing data: ByteView, endian: Endian) throws(ParseError) {
        var r = ByteReader(data, endian: endian, context: "amd64 context")
        homes = try (0..<6).map { _ throws(ParseError) in try r.u64() }
        contextFlags = try r.u32()
        mxCsr = try r.u32()
        segments = try (0..<6).map { _ throws(ParseError) in try r.u16() }
        eflags = try r.u32()
        debugRegisters = try (0..<6).map { _ throws(ParseError) in try r.u64() }
        gpr = try (0..<17).map { _ throws(ParseError) in try r.u64() }
        floatSave = try r.bytes(512)
        vectorRegisters = try r.bytes(26 * 16)
        vectorControl = try r.u64()
        debugControl = try r.u64()
        lastBranchToRip = try r.u64()
        lastBranchFromRip = try r.u64()
        lastExceptionToRip = try r.u64()
        lastExceptionFromRip = try r.u64()
        extraSize = data.count - Self.size
    }

    /// Registers by the names Breakpad's CFI uses, in DWARF number order.
    public static let layout = RegisterLayout(
        cpu: .amd64,
        names: ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
                "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags"],
        instructionPointer: "rip", stackPointer: "rsp", framePointer: "rbp")

    public func value(_ name: String) -> UInt64? {
        Self.gprNames.firstIndex(of: name).map { gpr[$0] }
    }

    public var rip: UInt64 { gpr[16] }
    public var rsp: UInt64 { gpr[4] }
    public var rbp: UInt64 { gpr[5] }

    /// CONTEXT_CONTROL covers rip, rsp and eflags; CONTEXT_INTEGER the general registers
    /// (rbp among them). A context whose flags name neither is taken as complete.
    public var registers: RegisterContext {
        var context = RegisterContext(layout: Self.layout)
        let both = contextFlags & 0x3 == 0
        let control = both || contextFlags & 0x1 != 0
        let integer = both || contextFlags & 0x2 != 0
        for (name, value) in zip(Self.gprNames, gpr) {
            let isControl = name == "rip" || name == "rsp"
            if isControl ? control : integer { context[name] = value }
        }
        if control { context["eflags"] = UInt64(eflags) }
        return context
    }

    /// Every field, named and formatted as Breakpad's minidump_dump prints them.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for (i, value) in homes.enumerated() { fields.append(("p\(i + 1)_home", formatHex(value))) }
        fields.append(("context_flags", formatHex(contextFlags)))
        fields.append(("mx_csr", formatHex(mxCsr)))
        for (name, value) in zip(["cs", "ds", "es", "fs", "gs", "ss"], segments) { fields.append((name, formatHex(value))) }
        fields.append(("eflags", formatHex(eflags)))
        for (name, value) in zip(["dr0", "dr1", "dr2", "dr3", "dr6", "dr7"], debugRegisters) {
            fields.append((name, formatHex(value)))
        }
        for (name, value) in zip(Self.gprNames, gpr) { fields.append((name, formatHex(value))) }
        return fields
    }
}

/// How amd64 contexts are stored in minidumps: Microsoft's CONTEXT, recognized by the CPU bit
/// of its flags (at offset 48, after the six register home slots).
public struct AMD64ContextFormat: CPUContextFormat {
    public let cpu = CPU.amd64
    public var layout: RegisterLayout { ContextAMD64.layout }

    public init() {}

    public func recognizes(_ data: ByteView, endian: Endian) -> Bool {
        guard data.count >= ContextAMD64.size, let flags = try? data.u32(at: 48, endian) else { return false }
        return flags & 0xffff_ff00 == ContextAMD64.cpuFlag
    }

    public func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext {
        guard data.count >= ContextAMD64.size else { throw ContextFormats.tooShort(data, needs: ContextAMD64.size, "amd64") }
        let context = try ContextAMD64(parsing: data, endian: endian)
        return DecodedContext(registers: context.registers, structureName: "MDRawContextAMD64", fields: context.fields)
    }
}
