// CPU context blobs, written field by field at the offsets of the Microsoft / Breakpad
// structures. Registers not named are zero.

/// Builders for raw CPU context records (the blobs a thread's or exception's
/// `thread_context` location points at).
///
/// Each function takes register name → value (lowercase names, listed per function) and
/// returns a `ByteSection` of the exact structure size. An unknown register name stops
/// the test process. Values wider than the register are truncated.
public enum SynthContext {
    /// Size of `CONTEXT_X86` / `MDRawContextX86`.
    public static let x86Size = 716
    /// Size of `CONTEXT_AMD64` / `MDRawContextAMD64`.
    public static let amd64Size = 1232
    /// Size of Breakpad `MDRawContextARM`.
    public static let armSize = 368
    /// Size of Microsoft `CONTEXT_ARM64` / Breakpad `MDRawContextARM64`.
    public static let arm64Size = 912
    /// Size of Breakpad `MDRawContextARM64_Old` (packed to 4).
    public static let arm64OldSize = 796

    /// `CONTEXT_X86` (716 bytes). Default flags `0x1003f` (CONTEXT_X86 | all, incl.
    /// extended registers).
    ///
    /// Registers: `eax ebx ecx edx esi edi ebp esp eip eflags cs ds es fs gs ss`,
    /// `dr0 dr1 dr2 dr3 dr6 dr7`, and FPU `control_word status_word tag_word
    /// error_offset error_selector data_offset data_selector cr0_npx_state`.
    /// Layout: flags@0, dr0-3,6,7@4, FLOATING_SAVE_AREA@28 (112), gs@140 fs es ds,
    /// edi@156 esi ebx edx ecx eax, ebp@180 eip@184 cs eflags@192 esp@196 ss@200,
    /// extended_registers[512]@204.
    public static func x86(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0001_003F,
                           endian: SynthEndian = .little) -> ByteSection {
        let table: [String: (Int, Int)] = [
            "dr0": (4, 4), "dr1": (8, 4), "dr2": (12, 4), "dr3": (16, 4), "dr6": (20, 4), "dr7": (24, 4),
            "control_word": (28, 4), "status_word": (32, 4), "tag_word": (36, 4),
            "error_offset": (40, 4), "error_selector": (44, 4), "data_offset": (48, 4),
            "data_selector": (52, 4), "cr0_npx_state": (136, 4),
            "gs": (140, 4), "fs": (144, 4), "es": (148, 4), "ds": (152, 4),
            "edi": (156, 4), "esi": (160, 4), "ebx": (164, 4), "edx": (168, 4), "ecx": (172, 4),
            "eax": (176, 4), "ebp": (180, 4), "eip": (184, 4), "cs": (188, 4), "eflags": (192, 4),
            "esp": (196, 4), "ss": (200, 4),
        ]
        return blob(size: x86Size, flags: (0, 4, UInt64(flags)), table: table, registers: registers,
                    endian: endian, what: "x86")
    }

    /// `CONTEXT_AMD64` (1232 bytes). Default flags `0x10001f` (CONTEXT_AMD64 | all).
    ///
    /// Registers: `rax rcx rdx rbx rsp rbp rsi rdi r8`…`r15 rip`, `eflags mx_csr`,
    /// `cs ds es fs gs ss` (u16), `dr0 dr1 dr2 dr3 dr6 dr7`, and the trailing
    /// `vector_control debug_control last_branch_to_rip last_branch_from_rip
    /// last_exception_to_rip last_exception_from_rip`.
    /// Layout: p1-6_home@0, flags@48, mx_csr@52, cs@56…ss@66, eflags@68, dr*@72,
    /// rax@120 … r15@240, rip@248, FLTSAVE[512]@256, vector_register[26]@768, tail@1184.
    public static func amd64(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0010_001F,
                             endian: SynthEndian = .little) -> ByteSection {
        var table: [String: (Int, Int)] = [
            "mx_csr": (52, 4), "cs": (56, 2), "ds": (58, 2), "es": (60, 2), "fs": (62, 2),
            "gs": (64, 2), "ss": (66, 2), "eflags": (68, 4),
            "dr0": (72, 8), "dr1": (80, 8), "dr2": (88, 8), "dr3": (96, 8), "dr6": (104, 8), "dr7": (112, 8),
            "rip": (248, 8),
            "vector_control": (1184, 8), "debug_control": (1192, 8), "last_branch_to_rip": (1200, 8),
            "last_branch_from_rip": (1208, 8), "last_exception_to_rip": (1216, 8),
            "last_exception_from_rip": (1224, 8),
        ]
        let gprs = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
        for (i, name) in gprs.enumerated() { table[name] = (120 + 8 * i, 8) }
        return blob(size: amd64Size, flags: (48, 4, UInt64(flags)), table: table, registers: registers,
                    endian: endian, what: "amd64")
    }

    /// Breakpad `MDRawContextARM` (368 bytes). Default flags `0x40000006`
    /// (MD_CONTEXT_ARM | integer | floating point).
    ///
    /// Registers: `r0`…`r15` (aliases `fp`=r11, `ip`=r12, `sp`=r13, `lr`=r14, `pc`=r15),
    /// `cpsr`, `fpscr` (u64), `d0`…`d31` (u64).
    /// Layout: flags@0, iregs[16]@4, cpsr@68, fpscr@72, regs[32]@80, extra[8]@336.
    public static func arm(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x4000_0006,
                           endian: SynthEndian = .little) -> ByteSection {
        var table: [String: (Int, Int)] = ["cpsr": (68, 4), "fpscr": (72, 8)]
        for i in 0..<16 { table["r\(i)"] = (4 + 4 * i, 4) }
        for (alias, i) in [("fp", 11), ("ip", 12), ("sp", 13), ("lr", 14), ("pc", 15)] {
            table[alias] = (4 + 4 * i, 4)
        }
        for i in 0..<32 { table["d\(i)"] = (80 + 8 * i, 8) }
        return blob(size: armSize, flags: (0, 4, UInt64(flags)), table: table, registers: registers,
                    endian: endian, what: "arm")
    }

    /// Microsoft `CONTEXT_ARM64` = Breakpad `MDRawContextARM64` (912 bytes). Default
    /// flags `0x40000f` (CONTEXT_ARM64 | control | integer | floating point | debug).
    ///
    /// Registers: `x0`…`x30` (aliases `fp`=x29, `lr`=x30), `sp`, `pc`, `cpsr`, `fpcr`,
    /// `fpsr`; vector registers are left zero.
    /// Layout: flags@0, cpsr@4, x0@8 … x30@248, sp@256, pc@264, v[32]@272 (16 each),
    /// fpcr@784, fpsr@788, bcr[8]@792, bvr[8]@824, wcr[2]@888, wvr[2]@896.
    public static func arm64(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0040_000F,
                             endian: SynthEndian = .little) -> ByteSection {
        var table: [String: (Int, Int)] = [
            "cpsr": (4, 4), "sp": (256, 8), "pc": (264, 8), "fpcr": (784, 4), "fpsr": (788, 4),
        ]
        for i in 0..<31 { table["x\(i)"] = (8 + 8 * i, 8) }
        table["fp"] = (8 + 8 * 29, 8)
        table["lr"] = (8 + 8 * 30, 8)
        return blob(size: arm64Size, flags: (0, 4, UInt64(flags)), table: table, registers: registers,
                    endian: endian, what: "arm64")
    }

    /// Breakpad `MDRawContextARM64_Old` (796 bytes, `#pragma pack(4)`): u64 flags, default
    /// `0x80000006` (MD_CONTEXT_ARM64_OLD | integer | floating point).
    ///
    /// Registers: `x0`…`x30` (aliases `fp`, `lr`), `sp` (=iregs[31]), `pc` (=iregs[32]),
    /// `cpsr`, `fpsr`, `fpcr`.
    /// Layout: flags u64@0, iregs[33]@8 (sp@256, pc@264), cpsr@272, fpsr@276, fpcr@280,
    /// regs[32] (u128)@284.
    public static func arm64Old(_ registers: [String: UInt64] = [:], flags: UInt64 = 0x8000_0006,
                                endian: SynthEndian = .little) -> ByteSection {
        var table: [String: (Int, Int)] = [
            "sp": (256, 8), "pc": (264, 8), "cpsr": (272, 4), "fpsr": (276, 4), "fpcr": (280, 4),
        ]
        for i in 0..<31 { table["x\(i)"] = (8 + 8 * i, 8) }
        table["fp"] = (8 + 8 * 29, 8)
        table["lr"] = (8 + 8 * 30, 8)
        return blob(size: arm64OldSize, flags: (0, 8, flags), table: table, registers: registers,
                    endian: endian, what: "arm64 (old)")
    }

    private static func blob(size: Int, flags: (offset: Int, width: Int, value: UInt64),
                             table: [String: (Int, Int)], registers: [String: UInt64],
                             endian: SynthEndian, what: String) -> ByteSection {
        let section = ByteSection(endian: endian, bytes: [UInt8](repeating: 0, count: size),
                                  name: "context.\(what)")
        section.write(flags.value, width: flags.width, at: flags.offset)
        for (name, value) in registers.sorted(by: { $0.key < $1.key }) {
            guard let (offset, width) = table[name.lowercased()] else {
                fatalError("SynthContext.\(what): unknown register '\(name)'; known: "
                    + table.keys.sorted().joined(separator: " "))
            }
            let masked = width == 8 ? value : value & ((1 << UInt64(width * 8)) - 1)
            section.write(masked, width: width, at: offset)
        }
        precondition(section.size == size)
        return section
    }
}

extension SyntheticMinidump {
    /// `SynthContext.x86` in this dump's byte order.
    public func x86Context(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0001_003F) -> ByteSection {
        SynthContext.x86(registers, flags: flags, endian: endian)
    }

    /// `SynthContext.amd64` in this dump's byte order.
    public func amd64Context(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0010_001F) -> ByteSection {
        SynthContext.amd64(registers, flags: flags, endian: endian)
    }

    /// `SynthContext.arm` in this dump's byte order.
    public func armContext(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x4000_0006) -> ByteSection {
        SynthContext.arm(registers, flags: flags, endian: endian)
    }

    /// `SynthContext.arm64` in this dump's byte order.
    public func arm64Context(_ registers: [String: UInt64] = [:], flags: UInt32 = 0x0040_000F) -> ByteSection {
        SynthContext.arm64(registers, flags: flags, endian: endian)
    }

    /// `SynthContext.arm64Old` in this dump's byte order.
    public func arm64OldContext(_ registers: [String: UInt64] = [:], flags: UInt64 = 0x8000_0006) -> ByteSection {
        SynthContext.arm64Old(registers, flags: flags, endian: endian)
    }
}
