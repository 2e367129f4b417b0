import CrashpipeCore

/// Names exception records the way Breakpad's processor does.
///
/// Consumes the fields of a minidump exception record (the exception code, the flags, the
/// exception address and the exception parameters) together with the operating system and
/// processor from the system info stream. Produces the crash reason string that Breakpad's
/// `minidump_stackwalk` prints ("EXCEPTION_ACCESS_VIOLATION_WRITE", "SIGSEGV /SEGV_MAPERR",
/// "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS", …) and the crash address it reports.
///
/// The rules follow Breakpad's `MinidumpProcessor::GetCrashReason`:
/// - a code the tables do not know gives `"0x%08x / 0x%08x"` (code, then flags);
/// - on Windows, access violations and in-page errors take the faulting address from the
///   second parameter, and `STATUS_STACK_BUFFER_OVERRUN` is named by its fast-fail code;
/// - the address is cut to 32 bits for the processors Breakpad treats as 32-bit
///   (x86, MIPS, PPC, SuperH, ARM and x86-on-Win64); every other processor keeps 64 bits.
public enum CrashReasons {
    /// The reason string and the crash address for an exception record.
    /// `exceptionAddress` is the record's ExceptionAddress; `parameters` its ExceptionInformation (only the first NumberParameters).
    public static func describe(os: OS, cpu: CPU, code: UInt32, flags: UInt32,
                                exceptionAddress: UInt64, parameters: [UInt64]) -> (name: String, address: UInt64) {
        describe(os: os, rawCPU: Architecture.rawValue(for: cpu), code: code, flags: flags,
                 exceptionAddress: exceptionAddress, parameters: parameters)
    }

    /// Like ``describe(os:cpu:code:flags:exceptionAddress:parameters:)``, but takes the
    /// processor architecture exactly as the system info stream stores it
    /// (`MINIDUMP_SYSTEM_INFO.ProcessorArchitecture`, e.g. `SystemInfo.rawCPU`).
    ///
    /// Breakpad tells some processors apart that ``CPU`` folds together: Apple's ARM-specific
    /// Mach codes are named only for ARM (5) and Breakpad's own ARM64 value (0x8003), not for
    /// the Microsoft ARM64 value (12) that Crashpad writes; x86 running on Win64 (10) has its
    /// address cut to 32 bits like x86. Pass the raw value to get those cases right.
    public static func describe(os: OS, rawCPU: UInt32, code: UInt32, flags: UInt32,
                                exceptionAddress: UInt64, parameters: [UInt64]) -> (name: String, address: UInt64) {
        let record = Record(code: code, flags: flags, address: exceptionAddress, parameters: parameters)
        let arch = Architecture(raw: rawCPU)

        let named: Named?
        switch os {
        case .windows:
            named = Windows.describe(record)
        case .linux, .android:
            named = Linux.describe(record).map { Named(name: $0) }
        case .macOS, .iOS:
            named = Mac.describe(record, architecture: arch).map { Named(name: $0) }
        case .solaris:
            named = Solaris.describe(record).map { Named(name: $0) }
        case .fuchsia:
            named = Fuchsia.describe(record).map { Named(name: $0) }
        case .ps3:
            named = PS3.describe(record).map { Named(name: $0) }
        default:
            named = nil
        }

        let name = named?.name ?? "\(hex8(code)) / \(hex8(flags))"
        let address = named?.address ?? exceptionAddress
        return (name, arch.truncatesAddresses ? address & 0xFFFF_FFFF : address)
    }
}

extension CrashReasons {
    /// The parts of a minidump exception record that naming looks at. Consumed by every
    /// per-platform table; produced by ``CrashReasons/describe(os:rawCPU:code:flags:exceptionAddress:parameters:)``.
    struct Record {
        /// ExceptionCode: a Windows exception code, a signal number or a Mach exception type.
        var code: UInt32
        /// ExceptionFlags: Windows flags, a Linux `si_code` or a Mach exception code.
        var flags: UInt32
        /// ExceptionAddress as recorded.
        var address: UInt64
        /// ExceptionInformation, as many entries as NumberParameters says.
        var parameters: [UInt64]

        /// Parameter `index` cut to 32 bits, the way Breakpad reads it into its C enums;
        /// nil when the record has fewer parameters.
        func parameter32(_ index: Int) -> UInt32? {
            index < parameters.count ? UInt32(truncatingIfNeeded: parameters[index]) : nil
        }
    }

    /// What a platform table produces for a code it knows: the reason string and, when the
    /// record says where the fault was (Windows access violations), that address.
    struct Named {
        var name: String
        var address: UInt64?

        init(name: String, address: UInt64? = nil) {
            self.name = name
            self.address = address
        }
    }

    /// A processor architecture as Breakpad's processor compares it: the raw
    /// `ProcessorArchitecture` value of the system info stream. Consumes a ``CPU`` or a raw
    /// value; produces the CPU family tests the Mac tables and the address rule need.
    struct Architecture {
        let raw: UInt32

        init(raw: UInt32) { self.raw = raw }

        /// The raw value crashpipe's ``CPU`` most likely came from. ARM64 maps to the
        /// Microsoft value (12) that Crashpad writes, not Breakpad's older 0x8003.
        static func rawValue(for cpu: CPU) -> UInt32 {
            switch cpu {
            case .x86: return 0
            case .mips: return 1
            case .ppc: return 3
            case .arm: return 5
            case .amd64: return 9
            case .arm64: return 12
            case .sparc: return 0x8001
            case .ppc64: return 0x8002
            case .mips64: return 0x8004
            case .riscv: return 0x8005
            case .riscv64: return 0x8006
            default: return 0xFFFF
            }
        }

        /// ARM (5) or Breakpad's ARM64 (0x8003): the values for which Breakpad names ARM Mach codes.
        var isARM: Bool { raw == 5 || raw == 0x8003 }
        /// 32-bit PowerPC (3).
        var isPPC: Bool { raw == 3 }
        /// x86 (0) or AMD64 (9).
        var isX86: Bool { raw == 0 || raw == 9 }

        /// Whether Breakpad masks the crash address to 32 bits: x86 (0), MIPS (1), PPC (3),
        /// SuperH (4), ARM (5) and x86 on Win64 (10). SPARC and 32-bit RISC-V keep 64 bits.
        var truncatesAddresses: Bool { [0, 1, 3, 4, 5, 10].contains(raw) }
    }

    /// `0x` and eight lower-case hex digits, as Breakpad's `"0x%08x"`.
    static func hex8(_ value: UInt32) -> String {
        formatHex(value, width: 8)
    }
}
