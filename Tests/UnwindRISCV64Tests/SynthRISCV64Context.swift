import TestSupport

/// Breakpad `MDRawContextRISCV64` blobs (528 bytes), written field by field at the offsets of
/// `google_breakpad/common/minidump_cpu_riscv.h`, independently of the parser: flags@0,
/// version@4, pc@8, x1 (`ra`) … x31 (`t6`) @16…@256, fpregs[32]@264…@512, fcsr@520, 4 bytes
/// of tail padding. Registers not named are zero.
enum SynthRISCV64 {
    static let size = 528
    /// MD_CONTEXT_RISCV64 | INTEGER | FLOATING_POINT.
    static let fullFlags: UInt32 = 0x0800_0003
    /// x1…x31 by ABI name, in register-number order.
    static let abiNames = ["ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1",
                           "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
                           "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
                           "t3", "t4", "t5", "t6"]

    /// Registers: `version`, `pc`, the ABI names (or `fp` for s0), `f0`…`f31`, `fcsr`.
    static func context(_ registers: [String: UInt64] = [:], flags: UInt32 = fullFlags,
                        endian: SynthEndian = .little) -> ByteSection {
        var table: [String: (offset: Int, width: Int)] = ["version": (4, 4), "pc": (8, 8), "fcsr": (520, 4)]
        for (i, name) in abiNames.enumerated() { table[name] = (16 + 8 * i, 8) }
        table["fp"] = table["s0"]
        for i in 0..<32 { table["f\(i)"] = (264 + 8 * i, 8) }
        let section = ByteSection(endian: endian, bytes: [UInt8](repeating: 0, count: size), name: "context.riscv64")
        section.write(UInt64(flags), width: 4, at: 0)
        for (name, value) in registers.sorted(by: { $0.key < $1.key }) {
            guard let (offset, width) = table[name] else { fatalError("SynthRISCV64: unknown register '\(name)'") }
            section.write(width == 8 ? value : value & 0xffff_ffff, width: width, at: offset)
        }
        precondition(section.size == size)
        return section
    }
}
