extension CrashReasons {
    /// macOS and iOS Mach exceptions as Breakpad names them.
    ///
    /// Consumes a record whose code is the Mach exception type (mach/exception_types.h) and
    /// whose flags are the first Mach exception code; produces "EXC_BAD_ACCESS /
    /// KERN_INVALID_ADDRESS", "EXC_BREAKPOINT / EXC_I386_BPT", "Uncaught NSException", ….
    /// Which code names apply depends on the processor (see ``Architecture``); an unnamed
    /// code is printed as `0x%08x` after the type. Returns nil for types Breakpad does not
    /// name, EXC_CRASH (10) among them: Crashpad normally unwraps EXC_CRASH into the
    /// exception it carried (a signal arrives as EXC_SOFTWARE with code EXC_SOFT_SIGNAL,
    /// 0x10003, which Breakpad prints in hex), and Breakpad prints any EXC_CRASH left in a
    /// dump as plain hex too.
    enum Mac {
        /// EXC_BAD_ACCESS codes that are `kern_return_t` values, named whatever the processor.
        static let kernelReturns: [UInt32: String] = [
            1: "KERN_INVALID_ADDRESS",
            2: "KERN_PROTECTION_FAILURE",
            8: "KERN_NO_ACCESS",
            9: "KERN_MEMORY_FAILURE",
            10: "KERN_MEMORY_ERROR",
            50: "KERN_CODESIGN_ERROR",
        ]

        /// EXC_BAD_ACCESS codes on ARM that are not kernel return values.
        static let badAccessARM: [UInt32: String] = [
            0x0101: "EXC_ARM_DA_ALIGN",
            0x0102: "EXC_ARM_DA_DEBUG",
        ]

        /// EXC_BAD_ACCESS codes on PowerPC that are not kernel return values.
        static let badAccessPPC: [UInt32: String] = [
            0x0101: "EXC_PPC_VM_PROT_READ",
            0x0102: "EXC_PPC_BADSPACE",
            0x0103: "EXC_PPC_UNALIGNED",
        ]

        /// EXC_BAD_ACCESS codes on x86 that are not kernel return values.
        static let badAccessX86: [UInt32: String] = [
            13: "EXC_I386_GPFLT",
        ]

        /// EXC_BAD_INSTRUCTION codes on ARM.
        static let badInstructionARM: [UInt32: String] = [
            1: "EXC_ARM_UNDEFINED",
        ]

        /// EXC_BAD_INSTRUCTION codes on PowerPC.
        static let badInstructionPPC: [UInt32: String] = [
            1: "EXC_PPC_INVALID_SYSCALL",
            2: "EXC_PPC_UNIPL_INST",
            3: "EXC_PPC_PRIVINST",
            4: "EXC_PPC_PRIVREG",
            5: "EXC_PPC_TRACE",
            6: "EXC_PPC_PERFMON",
        ]

        /// EXC_BAD_INSTRUCTION codes on x86: EXC_I386_INVOP and the raw interrupt numbers
        /// that reach user space as bad instructions.
        static let badInstructionX86: [UInt32: String] = [
            1: "EXC_I386_INVOP",
            10: "EXC_I386_INVTSSFLT",
            11: "EXC_I386_SEGNPFLT",
            12: "EXC_I386_STKFLT",
            13: "EXC_I386_GPFLT",
            17: "EXC_I386_ALIGNFLT",
        ]

        /// EXC_ARITHMETIC codes on PowerPC. Breakpad also looks up the two emulation codes
        /// (8, 9) here rather than under EXC_EMULATION, and so does this table.
        static let arithmeticPPC: [UInt32: String] = [
            1: "EXC_PPC_OVERFLOW",
            2: "EXC_PPC_ZERO_DIVIDE",
            3: "EXC_FLT_INEXACT",
            4: "EXC_PPC_FLT_ZERO_DIVIDE",
            5: "EXC_PPC_FLT_UNDERFLOW",
            6: "EXC_PPC_FLT_OVERFLOW",
            7: "EXC_PPC_FLT_NOT_A_NUMBER",
            8: "EXC_PPC_NOEMULATION",
            9: "EXC_PPC_ALTIVECASSIST",
        ]

        /// EXC_ARITHMETIC codes on x86.
        static let arithmeticX86: [UInt32: String] = [
            1: "EXC_I386_DIV",
            2: "EXC_I386_INTO",
            3: "EXC_I386_NOEXT",
            4: "EXC_I386_EXTOVR",
            5: "EXC_I386_EXTERR",
            6: "EXC_I386_EMERR",
            7: "EXC_I386_BOUND",
            8: "EXC_I386_SSEEXTERR",
        ]

        /// EXC_SOFTWARE codes, named whatever the processor. 0x10002 is how Breakpad's Mac
        /// client records SIGABRT; 0xDEADC0DE is its code for an uncaught NSException; the
        /// other two are PowerPC's.
        static let software: [UInt32: String] = [
            0x0001_0002: "SIGABRT",
            0xDEAD_C0DE: "UNCAUGHT_NS_EXCEPTION",
            0x0000_0001: "EXC_PPC_TRAP",
            0x0001_0100: "EXC_PPC_MIGRATE",
        ]

        /// EXC_BREAKPOINT codes on ARM.
        static let breakpointARM: [UInt32: String] = [
            0x0101: "EXC_ARM_DA_ALIGN",
            0x0102: "EXC_ARM_DA_DEBUG",
            1: "EXC_ARM_BREAKPOINT",
        ]

        /// EXC_BREAKPOINT codes on PowerPC.
        static let breakpointPPC: [UInt32: String] = [
            1: "EXC_PPC_BREAKPOINT",
        ]

        /// EXC_BREAKPOINT codes on x86.
        static let breakpointX86: [UInt32: String] = [
            1: "EXC_I386_SGL",
            2: "EXC_I386_BPT",
        ]

        /// Exception types whose code Breakpad always prints in hex.
        static let typesWithHexCode: [UInt32: String] = [
            4: "EXC_EMULATION",
            7: "EXC_SYSCALL",
            8: "EXC_MACH_SYSCALL",
            9: "EXC_RPC_ALERT",
            11: "EXC_RESOURCE",
            12: "EXC_GUARD",
        ]

        /// Crashpad's made-up exception types, named without a code.
        static let crashpadTypes: [UInt32: String] = [
            // 'CPsx': a dump taken by Crashpad's SimulateCrash.
            0x4350_7378: "Simulated Exception",
            // 'CPnx': an uncaught NSException that Crashpad recorded on iOS.
            0x4350_6E78: "Uncaught NSException",
        ]

        /// Names the record, or nil when Breakpad leaves the type as hex.
        static func describe(_ record: Record, architecture arch: Architecture) -> String? {
            let code = record.flags
            switch record.code {
            case 1:
                let table = kernelReturns[code] != nil ? kernelReturns
                    : arch.isARM ? badAccessARM : arch.isPPC ? badAccessPPC : arch.isX86 ? badAccessX86 : [:]
                return "EXC_BAD_ACCESS / " + (table[code] ?? hex8(code))
            case 2:
                let table = arch.isARM ? badInstructionARM : arch.isPPC ? badInstructionPPC
                    : arch.isX86 ? badInstructionX86 : [:]
                return "EXC_BAD_INSTRUCTION / " + (table[code] ?? hex8(code))
            case 3:
                let table = arch.isPPC ? arithmeticPPC : arch.isX86 ? arithmeticX86 : [:]
                return "EXC_ARITHMETIC / " + (table[code] ?? hex8(code))
            case 5:
                return "EXC_SOFTWARE / " + (software[code] ?? hex8(code))
            case 6:
                let table = arch.isARM ? breakpointARM : arch.isPPC ? breakpointPPC
                    : arch.isX86 ? breakpointX86 : [:]
                return "EXC_BREAKPOINT / " + (table[code] ?? hex8(code))
            default:
                if let type = typesWithHexCode[record.code] {
                    return "\(type) / \(hex8(code))"
                }
                return crashpadTypes[record.code]
            }
        }
    }
}
