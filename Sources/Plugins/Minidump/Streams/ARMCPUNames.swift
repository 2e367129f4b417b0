/// Names ARM processors from the CPUID register and ELF hwcaps a Breakpad SystemInfo records,
/// as Breakpad's processor does ("ARMv7 Qualcomm Krait features: swp,half,thumb,...").
enum ARMCPUNames {
    private static let vendors: [UInt32: String] = [
        0x41: "ARM", 0x51: "Qualcomm", 0x56: "Marvell", 0x69: "Intel/Marvell",
    ]

    /// Parts keyed by vendor << 16 | part number.
    private static let parts: [UInt32: String] = [
        0x41_0c08: "Cortex-A8", 0x41_0c09: "Cortex-A9", 0x41_0c0f: "Cortex-A15",
        0x41_0c14: "Cortex-R4", 0x41_0c15: "Cortex-R5", 0x41_0b36: "ARM1136",
        0x41_0b56: "ARM1156", 0x41_0b76: "ARM1176", 0x41_0b02: "ARM11-MPCore",
        0x41_0926: "ARM926", 0x51_000f: "Scorpion", 0x51_002d: "Scorpion",
        0x51_004d: "Krait", 0x51_006f: "Krait",
    ]

    /// Linux HWCAP bits for 32-bit ARM, in bit order.
    private static let features = ["swp", "half", "thumb", "26bit", "fastmult", "fpa", "vfpv2", "edsp",
                                   "java", "iwmmxt", "crunch", "thumbee", "neon", "vfpv3", "vfpv3d16",
                                   "tls", "vfpv4", "idiva", "idivt"]

    static func describe(cpuid: UInt32, level: UInt16, hwcaps: UInt32 = 0) -> String {
        var text = "ARMv\(level)"
        if cpuid != 0 {
            let vendor = cpuid >> 24
            let part = (cpuid >> 4) & 0xfff
            text += " " + (vendors[vendor] ?? "vendor(0x\(String(vendor, radix: 16)))")
            text += " " + (parts[vendor << 16 | part] ?? "part(0x\(String(part, radix: 16)))")
        }
        if hwcaps != 0 {
            let names = features.indices.filter { hwcaps & (1 << UInt32($0)) != 0 }.map { features[$0] }
            text += " features: " + names.joined(separator: ",")
        }
        return text
    }
}
