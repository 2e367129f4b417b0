extension CrashReasons {
    /// Fuchsia (Zircon) exception types as Breakpad names them.
    ///
    /// Consumes a record whose code is a `ZX_EXCP_*` type (zircon/syscalls/exception.h);
    /// produces "FATAL_PAGE_FAULT / 0x0000000e" and the like: the type name, then the flags
    /// in hex, which Breakpad never decodes further. Returns nil for unknown types.
    enum Fuchsia {
        /// Exception type to name.
        static let names: [UInt32: String] = [
            0x0008: "GENERAL",
            0x0108: "FATAL_PAGE_FAULT",
            0x0208: "UNDEFINED_INSTRUCTION",
            0x0308: "SW_BREAKPOINT",
            0x0408: "HW_BREAKPOINT",
            0x0508: "UNALIGNED_ACCESS",
            0x8008: "THREAD_STARTING",
            0x8108: "THREAD_EXITING",
            0x8208: "POLICY_ERROR",
            0x8308: "PROCESS_STARTING",
        ]

        /// Names the record, or nil when Breakpad leaves the code as hex.
        static func describe(_ record: Record) -> String? {
            names[record.code].map { "\($0) / \(hex8(record.flags))" }
        }
    }

    /// PlayStation 3 exception codes as Breakpad names them.
    ///
    /// Consumes a record whose code is one of Breakpad's PS3 codes (PPU and SPU exceptions);
    /// produces the bare name ("DATA_STORAGE", "COPRO_HALTINSTR_UNKNOWN", …). Returns nil for
    /// unknown codes.
    enum PS3 {
        /// Exception code to name. Code 20 is spelt "HALTINSTR" in the output although
        /// Breakpad's constant says "HALTINST".
        static let names: [UInt32: String] = [
            0: "UNKNOWN",
            1: "TRAP_EXCEP",
            2: "PRIV_INSTR",
            3: "ILLEGAL_INSTR",
            4: "INSTR_STORAGE",
            5: "INSTR_SEGMENT",
            6: "DATA_STORAGE",
            7: "DATA_SEGMENT",
            8: "FLOAT_POINT",
            9: "DABR_MATCH",
            10: "ALIGN_EXCEP",
            11: "MEMORY_ACCESS",
            12: "COPRO_ALIGN",
            13: "COPRO_INVALID_COM",
            14: "COPRO_ERR",
            15: "COPRO_FIR",
            16: "COPRO_DATA_SEGMENT",
            17: "COPRO_DATA_STORAGE",
            18: "COPRO_STOP_INSTR",
            19: "COPRO_HALT_INSTR",
            20: "COPRO_HALTINSTR_UNKNOWN",
            21: "COPRO_MEMORY_ACCESS",
            22: "GRAPHIC",
        ]

        /// Names the record, or nil when Breakpad leaves the code as hex.
        static func describe(_ record: Record) -> String? {
            names[record.code]
        }
    }
}
