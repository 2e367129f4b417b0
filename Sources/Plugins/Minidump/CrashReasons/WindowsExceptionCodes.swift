extension CrashReasons {
    /// Windows exception codes as Breakpad names them.
    ///
    /// Consumes a Windows exception record; produces the reason string, and for access
    /// violations and in-page errors the faulting data address taken from parameter 1.
    /// Returns nil for a code Breakpad does not name, so the caller falls back to
    /// `"0x%08x / 0x%08x"` (Breakpad has no NTSTATUS fallback for the exception code itself).
    enum Windows {
        /// EXCEPTION_ACCESS_VIOLATION: parameter 0 says read/write/execute, parameter 1 the address.
        static let accessViolation: UInt32 = 0xC000_0005
        /// EXCEPTION_IN_PAGE_ERROR: like an access violation, plus the NTSTATUS cause in parameter 2.
        static let inPageError: UInt32 = 0xC000_0006
        /// STATUS_STACK_BUFFER_OVERRUN, raised by `__fastfail` with the fast-fail code in parameter 0.
        static let stackBufferOverrun: UInt32 = 0xC000_0409

        /// Codes whose name does not depend on the parameters.
        static let names: [UInt32: String] = [
            0x4001_0005: "DBG_CONTROL_C",
            0x8000_0001: "EXCEPTION_GUARD_PAGE",
            0x8000_0002: "EXCEPTION_DATATYPE_MISALIGNMENT",
            0x8000_0003: "EXCEPTION_BREAKPOINT",
            0x8000_0004: "EXCEPTION_SINGLE_STEP",
            0xC000_0008: "EXCEPTION_INVALID_HANDLE",
            0xC000_001D: "EXCEPTION_ILLEGAL_INSTRUCTION",
            0xC000_0025: "EXCEPTION_NONCONTINUABLE_EXCEPTION",
            0xC000_0026: "EXCEPTION_INVALID_DISPOSITION",
            0xC000_008C: "EXCEPTION_BOUNDS_EXCEEDED",
            0xC000_008D: "EXCEPTION_FLT_DENORMAL_OPERAND",
            0xC000_008E: "EXCEPTION_FLT_DIVIDE_BY_ZERO",
            0xC000_008F: "EXCEPTION_FLT_INEXACT_RESULT",
            0xC000_0090: "EXCEPTION_FLT_INVALID_OPERATION",
            0xC000_0091: "EXCEPTION_FLT_OVERFLOW",
            0xC000_0092: "EXCEPTION_FLT_STACK_CHECK",
            0xC000_0093: "EXCEPTION_FLT_UNDERFLOW",
            0xC000_0094: "EXCEPTION_INT_DIVIDE_BY_ZERO",
            0xC000_0095: "EXCEPTION_INT_OVERFLOW",
            0xC000_0096: "EXCEPTION_PRIV_INSTRUCTION",
            0xC000_00FD: "EXCEPTION_STACK_OVERFLOW",
            0xC000_00FF: "EXCEPTION_BAD_FUNCTION_TABLE",
            0xC000_0194: "EXCEPTION_POSSIBLE_DEADLOCK",
            0xC000_0374: "EXCEPTION_HEAP_CORRUPTION",
            // Chromium's allocators raise this on out-of-memory.
            0xE000_0008: "Out of Memory",
            // The code MSVC's C++ runtime throws with ('msc').
            0xE06D_7363: "Unhandled C++ Exception",
            // Crashpad's DumpWithoutCrashing writes this made-up code.
            0x0517_A7ED: "Simulated Exception",
        ]

        /// Names the record, or nil when Breakpad leaves the code as hex.
        static func describe(_ record: Record) -> Named? {
            switch record.code {
            case accessViolation:
                return Named(name: accessName("EXCEPTION_ACCESS_VIOLATION", record),
                             address: faultAddress(record))
            case inPageError:
                var name = accessName("EXCEPTION_IN_PAGE_ERROR", record)
                if let status = record.parameter32(2) {
                    name += " / " + NTStatus.name(status)
                }
                return Named(name: name, address: faultAddress(record))
            case stackBufferOverrun:
                if let subcode = record.parameter32(0), let fastFail = FastFail.names[subcode] {
                    return Named(name: fastFail)
                }
                return Named(name: "EXCEPTION_STACK_BUFFER_OVERRUN")
            default:
                return names[record.code].map { Named(name: $0) }
            }
        }

        /// `base` with `_READ`, `_WRITE` or `_EXEC` added from parameter 0 (0, 1 or 8);
        /// plain `base` for any other value or when there is no parameter.
        static func accessName(_ base: String, _ record: Record) -> String {
            switch record.parameter32(0) {
            case 0: return base + "_READ"
            case 1: return base + "_WRITE"
            case 8: return base + "_EXEC"
            default: return base
            }
        }

        /// Parameter 1, the data address the access faulted on, when the record has it.
        static func faultAddress(_ record: Record) -> UInt64? {
            record.parameters.count >= 2 ? record.parameters[1] : nil
        }
    }
}
