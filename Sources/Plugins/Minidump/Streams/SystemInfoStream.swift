import CrashpipeCore

/// MINIDUMP_SYSTEM_INFO: CPU architecture and model, processor count, OS and its version.
public struct SystemInfoStream: MinidumpStream {
    public static let streamType = StreamType.systemInfo

    @Hex public var processorArchitecture: UInt16
    public var processorLevel: UInt16
    @Hex public var processorRevision: UInt16
    public var numberOfProcessors: UInt8
    public var productType: UInt8
    public var majorVersion: UInt32
    public var minorVersion: UInt32
    public var buildNumber: UInt32
    @Hex public var platformId: UInt32
    @Hex public var csdVersionRva: UInt32
    @Hex public var suiteMask: UInt16
    /// The 24-byte CPU union: x86 vendor id, version, features, AMD features; or on other CPUs
    /// two 64-bit processor-feature words (ARM: cpuid and ELF hwcaps).
    public var cpuWords: [UInt32]
    public var csdVersion: String?

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "SystemInfo stream")
        processorArchitecture = try r.u16()
        processorLevel = try r.u16()
        processorRevision = try r.u16()
        numberOfProcessors = try r.u8()
        productType = try r.u8()
        majorVersion = try r.u32()
        minorVersion = try r.u32()
        buildNumber = try r.u32()
        platformId = try r.u32()
        csdVersionRva = try r.u32()
        suiteMask = try r.u16()
        try r.skip(2)
        cpuWords = try (0..<6).map { _ throws(ParseError) in try r.u32() }
        csdVersion = csdVersionRva == 0 ? nil : try? dump.string(at: csdVersionRva, what: "CSD version")
    }

    /// The CPU for a `processor_architecture` value.
    public static func cpu(forArchitecture value: UInt16) -> CPU {
        switch value {
        case 0, 10, 14: return .x86          // x86, x86 on Win64, IA32 on ARM64
        case 1: return .mips
        case 3: return .ppc
        case 5, 13: return .arm              // ARM, ARM32 on Win64
        case 9: return .amd64
        case 12, 0x8003: return .arm64       // ARM64 (Microsoft), ARM64 (old Breakpad value)
        case 0x8001: return .sparc
        case 0x8002: return .ppc64
        case 0x8004: return .mips64
        case 0x8005: return .riscv
        case 0x8006: return .riscv64
        default: return .unknown
        }
    }

    /// Breakpad's name for a `processor_architecture` value (as minidump_dump prints it).
    public static func architectureName(_ value: UInt16) -> String {
        switch value {
        case 0: return "x86"
        case 1: return "mips"
        case 2: return "alpha"
        case 3: return "ppc"
        case 4: return "shx"
        case 5: return "arm"
        case 6: return "ia64"
        case 7: return "alpha64"
        case 8: return "msil"
        case 9: return "amd64"
        case 10: return "x86_win64"
        case 12: return "arm64"
        case 0x8001: return "sparc"
        case 0x8002: return "ppc64"
        case 0x8003: return "arm64_old"
        case 0x8004: return "mips64"
        case 0x8005: return "riscv"
        case 0x8006: return "riscv64"
        default: return "unknown"
        }
    }

    /// The OS for a `platform_id` value.
    public static func os(forPlatform value: UInt32) -> OS {
        switch value {
        case 0, 1, 2: return .windows        // Win32s, Win9x, WinNT
        case 0x8000: return .unix
        case 0x8101: return .macOS
        case 0x8102: return .iOS
        case 0x8201: return .linux
        case 0x8202: return .solaris
        case 0x8203: return .android
        case 0x8204: return .ps3
        case 0x8205: return .nacl
        case 0x8206: return .fuchsia
        default: return .unknown
        }
    }

    public var cpu: CPU { Self.cpu(forArchitecture: processorArchitecture) }
    public var os: OS { Self.os(forPlatform: platformId) }

    /// "GenuineIntel" from the x86 vendor id words, only on x86 (Breakpad's GetCPUVendor).
    public var cpuVendor: String? {
        guard processorArchitecture == 0 || processorArchitecture == 10 else { return nil }
        var bytes: [UInt8] = []
        for word in cpuWords.prefix(3) { bytes += withUnsafeBytes(of: word.littleEndian, Array.init) }
        guard bytes.contains(where: { $0 != 0 }) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Breakpad's cpu_info text: "GenuineIntel family 6 model 13 stepping 8" on x86 and
    /// amd64; the ARM implementer and part on ARM.
    public var cpuInfo: String? {
        switch cpu {
        case .x86, .amd64:
            let prefix = cpuVendor.map { $0 + " " } ?? ""
            return prefix + "family \(processorLevel) model \(processorRevision >> 8) stepping \(processorRevision & 0xff)"
        case .arm, .arm64:
            return ARMCPUNames.describe(cpuid: cpuWords[0], level: processorLevel, hwcaps: cpuWords[1])
        default:
            return nil
        }
    }

    public var systemInfo: SystemInfo {
        var version = "\(majorVersion).\(minorVersion).\(buildNumber)"
        if os == .unknown && majorVersion == 0 && minorVersion == 0 && buildNumber == 0 { version = "0.0.0" }
        let family: UInt32? = cpu == .x86 || cpu == .amd64 ? UInt32(processorLevel) : nil
        return SystemInfo(os: os, osVersion: version, osBuild: csdVersion.flatMap { $0.isEmpty ? nil : $0 },
                          cpu: cpu, cpuInfo: cpuInfo, cpuCount: Int(numberOfProcessors), cpuVendor: cpuVendor,
                          cpuFamily: family, cpuModel: family.map { _ in UInt32(processorRevision >> 8) },
                          cpuStepping: family.map { _ in UInt32(processorRevision & 0xff) },
                          rawCPU: UInt32(processorArchitecture), rawOS: platformId)
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        var fields: [(String, String)] = [
            ("processor_architecture", P.hex(processorArchitecture) + " (\(Self.architectureName(processorArchitecture)))"),
            ("processor_level", "\(processorLevel)"),
            ("processor_revision", P.hex(processorRevision)),
            ("number_of_processors", "\(numberOfProcessors)"),
            ("product_type", "\(productType)"),
            ("major_version", "\(majorVersion)"),
            ("minor_version", "\(minorVersion)"),
            ("build_number", "\(buildNumber)"),
            ("platform_id", P.hex(platformId) + " (\(os.rawValue == "mac" ? "mac" : os.rawValue))"),
            ("csd_version_rva", P.hex(csdVersionRva)),
            ("suite_mask", P.hex(suiteMask)),
        ]
        if processorArchitecture == 0 || processorArchitecture == 10 {
            fields.append(("cpu.x86_cpu_info (valid):", ""))
            fields.append(("cpu.x86_cpu_info.vendor_id[0]", P.hex(cpuWords[0])))
            fields.append(("cpu.x86_cpu_info.vendor_id[1]", P.hex(cpuWords[1])))
            fields.append(("cpu.x86_cpu_info.vendor_id[2]", P.hex(cpuWords[2])))
            fields.append(("cpu.x86_cpu_info.version_information", P.hex(cpuWords[3])))
            fields.append(("cpu.x86_cpu_info.feature_information", P.hex(cpuWords[4])))
            fields.append(("cpu.x86_cpu_info.amd_extended_cpu_features", P.hex(cpuWords[5])))
        } else {
            fields.append(("cpu.other_cpu_info (valid):", ""))
            let low = UInt64(cpuWords[0]) | UInt64(cpuWords[1]) << 32
            let high = UInt64(cpuWords[2]) | UInt64(cpuWords[3]) << 32
            fields.append(("cpu.other_cpu_info.processor_features[0]", P.hex(low)))
            fields.append(("cpu.other_cpu_info.processor_features[1]", P.hex(high)))
        }
        fields.append(("(csd_version)", P.quoted(csdVersion ?? "")))
        fields.append(("(cpu_vendor)", cpuVendor.map(P.quoted) ?? "(null)"))
        out.block("MDRawSystemInfo", fields)
    }
}
